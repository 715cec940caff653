package dev.attnc.compiler.codegen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Classes javac compiled from generated sources, kept on disk so that the next run of the same
 * model skips javac (a second or more of a short command, most of it javac warming up in a fresh
 * JVM), as compilers of this field keep theirs (Triton's and TorchInductor's kernel caches).
 *
 * <p>An entry is a folder named by the SHA-256 of everything the bytes depend on: the sources,
 * this JVM's version, javac's options and the size and time of each jar compiled against. It
 * holds the sources ({@code source.java}, compared in full before a hit is used) and one
 * {@code .class} file per class. Entries are written under a temporary name and moved into
 * place, so a reader never sees half of one; at most {@link #MAX_ENTRIES} are kept, the least
 * recently used going first. Anything unreadable is a miss, and a cache that cannot be written
 * is skipped: the cache never fails a command.
 *
 * <p>Off unless {@link #enable} is called: the command line turns it on (folder {@code ATTNC_CACHE},
 * else {@code $XDG_CACHE_HOME/attnc} or {@code ~/.cache/attnc}; {@code ATTNC_CACHE=off}
 * turns it off); the library API and the tests compile in memory only.
 */
public final class ClassCache {
    /** Entries kept; each is the size of one model's classes (100 to 300 KB for the samples). */
    static final int MAX_ENTRIES = 64;
    /** The most bytes of classes an entry may hold before it is read: larger is not attnc's. */
    static final long MAX_ENTRY_BYTES = 64L << 20;
    private static final Pattern CLASS_FILE = Pattern.compile("[A-Za-z0-9_.$]{1,200}\\.class");
    private static final String SOURCE = "source.java";

    private static volatile Path root;

    private ClassCache() {
    }

    /** Keeps compiled classes under {@code folder} from now on in this JVM; null turns the cache off. */
    public static void enable(Path folder) {
        root = folder;
    }

    /**
     * The folder the command line uses, from the environment: {@code ATTNC_CACHE} (a folder, or
     * {@code off}), else {@code $XDG_CACHE_HOME/attnc}, else {@code ~/.cache/attnc}; empty when off
     * or when no home is known.
     */
    public static Optional<Path> defaultFolder(Map<String, String> environment, String userHome) {
        String chosen = environment.get("ATTNC_CACHE");
        if (chosen != null && !chosen.isBlank()) {
            return chosen.equalsIgnoreCase("off") ? Optional.empty() : Optional.of(Path.of(chosen));
        }
        String xdg = environment.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Optional.of(Path.of(xdg, "attnc"));
        }
        return userHome == null || userHome.isBlank() ? Optional.empty() : Optional.of(Path.of(userHome, ".cache", "attnc"));
    }

    static boolean enabled() {
        return root != null;
    }

    /** The key of sources compiled with {@code options} against {@code classpath}. */
    static String key(String sources, List<String> options, List<Path> classpath) {
        StringBuilder text = new StringBuilder();
        text.append(Runtime.version()).append('\n').append(String.join(" ", options)).append('\n');
        for (Path entry : classpath) {
            text.append(entry).append(' ');
            try {
                text.append(Files.size(entry)).append(' ').append(Files.getLastModifiedTime(entry).toMillis());
            } catch (IOException e) {
                text.append("unreadable");
            }
            text.append('\n');
        }
        text.append(sources);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** The classes of entry {@code key}, if it exists, is whole and was compiled from exactly {@code sources}. */
    static Optional<Map<String, byte[]>> read(String key, String sources) {
        Path folder = root;
        if (folder == null) {
            return Optional.empty();
        }
        Path entry = folder.resolve(key);
        try {
            if (!Files.isDirectory(entry) || !Files.isRegularFile(entry.resolve(SOURCE))
                    || !Files.readString(entry.resolve(SOURCE), StandardCharsets.UTF_8).equals(sources)) {
                return Optional.empty();
            }
            Map<String, byte[]> classes = new HashMap<>();
            long total = 0;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(entry)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    if (name.equals(SOURCE)) {
                        continue;
                    }
                    total += Files.size(file);
                    if (!CLASS_FILE.matcher(name).matches() || !Files.isRegularFile(file) || total > MAX_ENTRY_BYTES) {
                        return Optional.empty();
                    }
                    classes.put(name.substring(0, name.length() - ".class".length()), Files.readAllBytes(file));
                }
            }
            if (classes.isEmpty()) {
                return Optional.empty();
            }
            // Touched, so that the least recently used entries go first.
            Files.setLastModifiedTime(entry, FileTime.fromMillis(System.currentTimeMillis()));
            return Optional.of(classes);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Stores {@code classes} as entry {@code key}; best effort (a cache that cannot be written is skipped). */
    static void write(String key, String sources, Map<String, byte[]> classes) {
        Path folder = root;
        if (folder == null) {
            return;
        }
        Path temporary = null;
        try {
            Files.createDirectories(folder);
            temporary = Files.createTempDirectory(folder, "writing-");
            Files.writeString(temporary.resolve(SOURCE), sources, StandardCharsets.UTF_8);
            for (Map.Entry<String, byte[]> type : classes.entrySet()) {
                String name = type.getKey() + ".class";
                if (!CLASS_FILE.matcher(name).matches()) {
                    return;
                }
                Files.write(temporary.resolve(name), type.getValue());
            }
            try {
                Files.move(temporary, folder.resolve(key), StandardCopyOption.ATOMIC_MOVE);
                temporary = null;
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // Another run stored it first, or the file system cannot move atomically: keep no half entry.
            }
            evictBeyond(folder, MAX_ENTRIES);
        } catch (IOException | RuntimeException e) {
            // Best effort: the command goes on with the classes it compiled.
        } finally {
            if (temporary != null) {
                deleteQuietly(temporary);
            }
        }
    }

    /** Drops entry {@code key} (its classes would not load). */
    static void forget(String key) {
        Path folder = root;
        if (folder != null && Files.isDirectory(folder.resolve(key), LinkOption.NOFOLLOW_LINKS)) {
            deleteQuietly(folder.resolve(key));
        }
    }

    /** Removes the least recently used entries beyond {@code keep}, and writes left behind by runs that stopped. */
    static void evictBeyond(Path folder, int keep) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(folder)) {
            for (Path path : all) {
                String name = path.getFileName().toString();
                if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    continue; // not an entry, and never followed out of the folder
                }
                if (name.matches("[0-9a-f]{64}")) {
                    entries.add(path);
                } else if (name.startsWith("writing-")
                        && Files.getLastModifiedTime(path).toMillis() < System.currentTimeMillis() - 3_600_000) {
                    deleteQuietly(path);
                }
            }
        }
        if (entries.size() <= keep) {
            return;
        }
        entries.sort(Comparator.comparingLong(ClassCache::modified));
        for (Path old : entries.subList(0, entries.size() - keep)) {
            deleteQuietly(old);
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Deletes an entry: its plain files, then the folder (anything else in it keeps it). */
    private static void deleteQuietly(Path folder) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // Left for a later eviction.
        }
    }
}
