/**
 * The format-neutral description of a text model that jlrp explains: a {@link
 * org.jlrp.runtime.internal.model.ModelSpec} of typed, immutable {@link org.jlrp.runtime.internal.model.LayerSpec}s
 * in topological order. Importers (Keras today) produce it; the graph builder consumes it and knows no file format.
 *
 * <p><b>Ownership.</b> Every spec copies the arrays it is given and its accessors hand out copies, so no caller can
 * change a spec, or a network built from it, through a shared array. Specs with array components compare by identity
 * ({@code equals} of a record compares arrays by reference).
 *
 * <p>Internal API: it may change between releases without notice.
 */
package org.jlrp.runtime.internal.model;
