package org.jlrp.spark;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.broadcast.Broadcast;
import org.jlrp.runtime.explain.Explainer;

/**
 * One {@link Explainer} per broadcast model per JVM. Every task thread of an executor asks here for its partition's
 * explainer, so a model is loaded once per executor JVM, never per task or per row; the explainer is thread-safe
 * and shared by all of them.
 *
 * <p>Keyed by broadcast id, which is unique within a Spark application. A few recent models are kept, so a long
 * session that explains with many models does not hold all of them.
 */
final class ExplainerCache {

    private static final int MAX_MODELS = 8;

    /** Broadcast id → its explainer, loaded at most once (the holder's lock serialises the first users). */
    private static final Map<Long, Holder> MODELS = new LinkedHashMap<>(16, 0.75f, true);
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExplainerCache() {
    }

    /** The explainer for a broadcast model, loading it on the first call in this JVM. */
    static Explainer get(Broadcast<ModelFiles> model) {
        return holder(model.id()).get(model);
    }

    /**
     * Records an explainer the driver already built for this broadcast, so that in local mode (driver and executor
     * are one JVM) the model is not loaded a second time.
     */
    static void put(long broadcastId, Explainer explainer) {
        holder(broadcastId).set(explainer);
    }

    /** Drops a model, e.g. when its broadcast is destroyed. */
    static void remove(long broadcastId) {
        synchronized (MODELS) {
            MODELS.remove(broadcastId);
        }
    }

    /** How many models this JVM has loaded from a broadcast (for tests and diagnostics). */
    static int loads() {
        return LOADS.get();
    }

    /** Forgets every model (for tests that count loads). */
    static void clear() {
        synchronized (MODELS) {
            MODELS.clear();
        }
    }

    private static Holder holder(long broadcastId) {
        synchronized (MODELS) {
            Holder h = MODELS.computeIfAbsent(broadcastId, id -> new Holder());
            Iterator<Long> oldest = MODELS.keySet().iterator();
            while (MODELS.size() > MAX_MODELS) {
                oldest.next();
                oldest.remove();
            }
            return h;
        }
    }

    /** Loads its model once; tasks that arrive while it loads wait for it rather than loading their own. */
    private static final class Holder {
        private Explainer explainer;

        synchronized Explainer get(Broadcast<ModelFiles> model) {
            if (explainer == null) {
                explainer = model.value().load();
                LOADS.incrementAndGet();
            }
            return explainer;
        }

        synchronized void set(Explainer loaded) {
            explainer = loaded;
        }
    }
}
