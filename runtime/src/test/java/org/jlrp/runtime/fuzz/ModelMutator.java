package org.jlrp.runtime.fuzz;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Deterministic mutants of a model file: the same (seed file, case number) always gives the same bytes, so any
 * failure is reproducible and can be kept as a regression case by its numbers alone.
 */
final class ModelMutator {

    /** One mutant: what was done, and the bytes. */
    record Mutant(String description, byte[] bytes) {
    }

    private static final String[] JSON_SWAPS = {
        "\"relu\"", "\"relx\"", "\"valid\"", "\"vaxid\"", "Conv1D", "Conv9D", "Dense", "Denso", "Embedding",
        "Embedxing", "\"units\"", "\"unitz\"", "\"filters\"", "\"filterz\"", "\"kernel_size\"", "\"kernel_sizz\"",
        "\"strides\"", "\"stridez\"", "inbound_nodes", "inbound_nodez", "\"name\"", "\"namx\"", "[null, ", "[-999, ",
        "softmax", "softmay", "\"layers\"", "\"layerz\"", "true", "null",
    };

    private ModelMutator() {
    }

    static Mutant mutate(byte[] original, boolean zip, long caseSeed) {
        Random random = new Random(caseSeed);
        int kind = random.nextInt(zip ? 7 : 5);
        switch (kind) {
            case 0:
                return bitFlips(original, random);
            case 1:
                return truncate(original, random);
            case 2:
                return jsonRegion(original, random);
            case 3:
                return randomBytesInRegion(original, random);
            case 4:
                return overwriteNumbers(original, random);
            case 5:
                return zipRewrite(original, random);
            default:
                return zipCorruptEntry(original, random);
        }
    }

    private static Mutant bitFlips(byte[] original, Random random) {
        byte[] b = original.clone();
        int flips = 1 + random.nextInt(16);
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < flips; i++) {
            // Half the flips land in the first 4 KiB, where the superblock and object headers live.
            int pos = random.nextBoolean() ? random.nextInt(Math.min(4096, b.length)) : random.nextInt(b.length);
            b[pos] ^= (byte) (1 << random.nextInt(8));
            where.append(pos).append(' ');
        }
        return new Mutant("bit flips at " + where.toString().trim(), b);
    }

    private static Mutant truncate(byte[] original, Random random) {
        int length;
        int choice = random.nextInt(3);
        if (choice == 0) {
            length = Math.min(original.length - 1, 1 << random.nextInt(24)); // power-of-two boundaries
        } else if (choice == 1) {
            length = random.nextInt(Math.min(original.length, 8192)); // inside the headers
        } else {
            length = random.nextInt(original.length);
        }
        byte[] b = new byte[length];
        System.arraycopy(original, 0, b, 0, length);
        return new Mutant("truncated to " + length + " bytes", b);
    }

    /** Same-length edits inside the embedded model config JSON: renamed classes and keys, wrong values. */
    private static Mutant jsonRegion(byte[] original, Random random) {
        byte[] b = original.clone();
        String text = new String(b, StandardCharsets.ISO_8859_1);
        int swaps = 1 + random.nextInt(3);
        StringBuilder what = new StringBuilder("config edits:");
        for (int s = 0; s < swaps; s++) {
            int pair = random.nextInt(JSON_SWAPS.length / 2) * 2;
            String from = JSON_SWAPS[pair];
            String to = JSON_SWAPS[pair + 1];
            if (to.length() != from.length()) {
                to = (to + "          ").substring(0, from.length());
            }
            int at = nthOccurrence(text, from, random);
            if (at < 0) {
                continue;
            }
            byte[] replacement = to.getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(replacement, 0, b, at, replacement.length);
            text = new String(b, StandardCharsets.ISO_8859_1);
            what.append(' ').append(from).append("→").append(to).append('@').append(at);
        }
        return new Mutant(what.toString(), b);
    }

    /** Random bytes written over a span near a random attribute or dataset of the file. */
    private static Mutant randomBytesInRegion(byte[] original, Random random) {
        byte[] b = original.clone();
        int at = random.nextInt(b.length);
        int span = 1 + random.nextInt(64);
        for (int i = at; i < Math.min(b.length, at + span); i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return new Mutant(span + " random bytes at " + at, b);
    }

    /** Digits inside the config replaced: sizes become huge, zero or negative. */
    private static Mutant overwriteNumbers(byte[] original, Random random) {
        byte[] b = original.clone();
        String text = new String(b, StandardCharsets.ISO_8859_1);
        int start = text.indexOf("{\"class_name\"");
        if (start < 0) {
            start = 0;
        }
        StringBuilder what = new StringBuilder("numbers:");
        for (int n = 0; n < 1 + random.nextInt(4); n++) {
            int at = start + random.nextInt(Math.max(1, Math.min(b.length - start, 20000)));
            while (at < b.length && !Character.isDigit((char) (b[at] & 0xff))) {
                at++;
            }
            if (at >= b.length) {
                break;
            }
            byte replacement = (byte) "0123456789-9".charAt(random.nextInt(12));
            b[at] = replacement;
            what.append(' ').append(at).append('=').append((char) replacement);
        }
        return new Mutant(what.toString(), b);
    }

    /** A .keras zip rebuilt with an entry dropped, renamed to an odd path, duplicated, or its config damaged. */
    private static Mutant zipRewrite(byte[] original, Random random) {
        try {
            List<String> names = new ArrayList<>();
            List<byte[]> contents = new ArrayList<>();
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(original))) {
                ZipEntry e;
                while ((e = in.getNextEntry()) != null) {
                    names.add(e.getName());
                    contents.add(in.readAllBytes());
                }
            }
            int victim = random.nextInt(names.size());
            String what;
            int op = random.nextInt(5);
            if (op == 0) {
                what = "dropped " + names.remove(victim);
                contents.remove(victim);
            } else if (op == 1) {
                what = "renamed " + names.get(victim) + " to ../" + names.get(victim);
                names.set(victim, "../" + names.get(victim));
            } else if (op == 2) {
                what = "duplicated " + names.get(victim);
                names.add(names.get(victim));
                contents.add(new byte[]{'{', '}'});
            } else if (op == 3) {
                int config = names.indexOf("config.json");
                byte[] c = contents.get(Math.max(config, 0));
                String text = new String(c, StandardCharsets.UTF_8);
                text = text.replace("\"filters\": 64", "\"filters\": 99999999999")
                        .replace("\"units\": 32", "\"units\": -5").replace("Conv1D", "LSTM");
                contents.set(Math.max(config, 0), text.getBytes(StandardCharsets.UTF_8));
                what = "config.json damaged (huge/negative numbers, renamed class)";
            } else {
                byte[] c = contents.get(victim);
                contents.set(victim, java.util.Arrays.copyOf(c, c.length / 2));
                what = "halved " + names.get(victim);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                for (int i = 0; i < names.size(); i++) {
                    try {
                        zip.putNextEntry(new ZipEntry(names.get(i)));
                    } catch (java.util.zip.ZipException duplicate) {
                        continue;
                    }
                    zip.write(contents.get(i));
                    zip.closeEntry();
                }
            }
            return new Mutant("zip: " + what, out.toByteArray());
        } catch (IOException e) {
            return new Mutant("zip unreadable: " + e.getMessage(), original.clone());
        }
    }

    /** Damage inside the compressed stream or the local headers (declared sizes) of the zip. */
    private static Mutant zipCorruptEntry(byte[] original, Random random) {
        byte[] b = original.clone();
        String text = new String(b, StandardCharsets.ISO_8859_1);
        int header = nthOccurrence(text, "PK\u0003\u0004", random);
        if (header < 0 || header + 30 > b.length) {
            return bitFlips(original, random);
        }
        int field = 18 + 4 * random.nextInt(2); // compressed or uncompressed size
        b[header + field + 3] = (byte) 0x7f; // declare ~2 GiB
        return new Mutant("zip entry at " + header + ": size field " + field + " set huge", b);
    }

    private static int nthOccurrence(String text, String needle, Random random) {
        List<Integer> at = new ArrayList<>();
        for (int i = text.indexOf(needle); i >= 0 && at.size() < 64; i = text.indexOf(needle, i + 1)) {
            at.add(i);
        }
        return at.isEmpty() ? -1 : at.get(random.nextInt(at.size()));
    }
}
