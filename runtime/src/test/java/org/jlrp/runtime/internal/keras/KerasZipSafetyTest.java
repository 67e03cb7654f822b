package org.jlrp.runtime.internal.keras;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A .keras zip is read in memory with bounded sizes; crafted archives are refused with the typed error. */
class KerasZipSafetyTest {

    /** The real .keras file's entries, plus {@code extraName} holding {@code extra}. */
    private static Path rebuilt(Path dir, String extraName, byte[] extra, String replace) throws Exception {
        byte[] original = Files.readAllBytes(SharedFiles.require("models/darshbir19_movie_cnn.keras"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(original));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                byte[] content = in.readAllBytes();
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(e.getName().equals(replace) ? extra : content);
                zip.closeEntry();
            }
            if (replace == null) {
                zip.putNextEntry(new ZipEntry(extraName));
                zip.write(extra);
                zip.closeEntry();
            }
        }
        Path file = dir.resolve("crafted.keras");
        Files.write(file, out.toByteArray());
        return file;
    }

    @Test
    void theUntouchedRebuildLoads(@TempDir Path dir) throws Exception {
        assertNotNull(KerasModelLoader.load(rebuilt(dir, "assets/readme.txt", new byte[]{1}, null)));
    }

    @Test
    void entryNamesThatClimbOutOrAreAbsoluteAreRefused(@TempDir Path dir) throws Exception {
        for (String name : new String[]{"../evil.sh", "assets/../../evil", "/etc/evil", "C:\\evil", "a\u0001b"}) {
            Path file = rebuilt(dir, name, new byte[]{1, 2, 3}, null);
            JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(file), name);
            assertTrue(e.getMessage().contains("odd entry name"), e.getMessage());
        }
    }

    @Test
    void anEntryThatInflatesPastTheLimitIsRefused(@TempDir Path dir) throws Exception {
        byte[] zeros = new byte[8 << 20]; // compresses to a few KiB: a small zip bomb
        Path file = rebuilt(dir, null, zeros, "model.weights.h5");
        assertTrue(Files.size(file) < (1 << 20));
        Limits small = new Limits(Limits.DEFAULT.maxTensorElements(), 1 << 20, Limits.DEFAULT.maxConfigBytes(),
                Limits.DEFAULT.maxZipEntries());
        JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(file, null, small));
        assertTrue(e.getMessage().contains("past the limit") || e.getMessage().contains("declares"), e.getMessage());
    }
}
