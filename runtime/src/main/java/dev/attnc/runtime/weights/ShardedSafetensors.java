package dev.attnc.runtime.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face checkpoint split over several safetensors files, as its
 * {@code model.safetensors.index.json} maps tensor names to shard files
 * ({@code "model.layers.0.self_attn.q_proj.weight": "model-00001-of-00002.safetensors"}).
 *
 * <p>Opening validates everything before any tensor is read: the index (size, JSON, plain file
 * names in the index's own folder), every shard (as {@link SafetensorsFile#open} does), and that
 * each tensor the index lists is in the shard it names. Its metadata is the
 * {@code config.json} beside the index, when there is one.
 */
public final class ShardedSafetensors implements WeightSource {
    /** The largest index read. */
    public static final long MAX_INDEX_BYTES = 64L << 20;
    /** The most shards an index may name. */
    public static final int MAX_SHARDS = 4096;

    private final String description;
    private final Map<String, SafetensorsFile> byTensor;
    private final List<SafetensorsFile> shards;
    private final CheckpointMetadata metadata;

    private ShardedSafetensors(String description, Map<String, SafetensorsFile> byTensor, List<SafetensorsFile> shards,
            CheckpointMetadata metadata) {
        this.description = description;
        this.byTensor = byTensor;
        this.shards = shards;
        this.metadata = metadata;
    }

    /**
     * Opens the checkpoint an index file describes.
     *
     * @throws WeightException if the index, a shard or the config.json beside it is missing or
     *     invalid, or the index and the shards disagree
     */
    public static ShardedSafetensors open(Path index) {
        Objects.requireNonNull(index, "index");
        Path fileName = index.getFileName();
        String file = fileName == null ? index.toString() : fileName.toString();
        RegularFiles.require(index, file, "a safetensors index");
        Map<String, String> weightMap = readIndex(index, file);
        Path folder = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> entry : weightMap.entrySet()) {
                String shardName = entry.getValue();
                SafetensorsFile shard = byShard.get(shardName);
                if (shard == null) {
                    shard = SafetensorsFile.open(folder.resolve(shardName));
                    byShard.put(shardName, shard);
                }
                if (!shard.contains(entry.getKey())) {
                    throw new WeightException(file + ": maps \"" + entry.getKey() + "\" to " + shardName
                            + ", which holds no such tensor");
                }
                byTensor.put(entry.getKey(), shard);
            }
            Path config = folder.resolve("config.json");
            CheckpointMetadata metadata = Files.exists(config) ? HuggingFaceConfig.read(config)
                    : CheckpointMetadata.none(file);
            String description = file + " (" + byShard.size() + (byShard.size() == 1 ? " shard)" : " shards)");
            return new ShardedSafetensors(description, Collections.unmodifiableMap(byTensor), List.copyOf(byShard.values()),
                    metadata);
        } catch (RuntimeException | Error e) {
            byShard.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The index's weight map, checked: a JSON object of names to plain shard file names. */
    private static Map<String, String> readIndex(Path index, String file) {
        String text;
        try {
            long size = Files.size(index);
            if (size > MAX_INDEX_BYTES) {
                throw new WeightException(file + ": " + size + " bytes is over the limit of " + MAX_INDEX_BYTES + " for an index");
            }
            byte[] bytes = Files.readAllBytes(index);
            if (bytes.length > MAX_INDEX_BYTES) {
                throw new WeightException(file + ": grew past " + MAX_INDEX_BYTES + " bytes while being read");
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new WeightException(file + ": file not found (" + index.toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read: " + e, e);
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException | StackOverflowError e) {
            throw new WeightException(file + ": not valid JSON");
        }
        JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
        if (map == null || !map.isJsonObject()) {
            throw new WeightException(file + ": has no \"weight_map\" object; is this a model.safetensors.index.json?");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        Set<String> shardNames = new java.util.HashSet<>();
        for (Map.Entry<String, JsonElement> entry : ((JsonObject) map).entrySet()) {
            JsonElement value = entry.getValue();
            if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
                throw new WeightException(file + ": \"" + printable(entry.getKey()) + "\" maps to something other than a file name");
            }
            String shard = value.getAsString();
            if (!plainFileName(shard)) {
                throw new WeightException(file + ": shard \"" + printable(shard) + "\" is not a plain .safetensors file name "
                        + "in the index's folder");
            }
            if (shardNames.add(shard) && shardNames.size() > MAX_SHARDS) {
                throw new WeightException(file + ": names more than " + MAX_SHARDS + " shards");
            }
            weightMap.put(entry.getKey(), shard);
        }
        if (weightMap.isEmpty()) {
            throw new WeightException(file + ": its weight_map lists no tensor");
        }
        return weightMap;
    }

    /** A shard must stay in the index's folder: no separators, no "..", a .safetensors name. */
    private static boolean plainFileName(String name) {
        return name.endsWith(".safetensors") && !name.startsWith(".") && name.indexOf('/') < 0 && name.indexOf('\\') < 0
                && name.indexOf(':') < 0 && name.chars().noneMatch(Character::isISOControl) && name.length() <= 255;
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        StringBuilder out = new StringBuilder();
        cut.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }

    @Override
    public float[] floats(String name, int[] shape, Init init) {
        SafetensorsFile shard = byTensor.get(name);
        if (shard == null) {
            throw new WeightException(name + ": no such tensor in " + description);
        }
        return shard.floats(name, shape, init);
    }

    /** The matrix {@code name} in 16 bits, from its shard; see {@link SafetensorsFile#halves}. */
    @Override
    public Optional<HalfMatrix> halves(String name, int[] shape) {
        SafetensorsFile shard = byTensor.get(name);
        if (shard == null) {
            throw new WeightException(name + ": no such tensor in " + description);
        }
        return shard.halves(name, shape);
    }

    @Override
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    @Override
    public Set<String> names() {
        return byTensor.keySet();
    }

    @Override
    public CheckpointMetadata checkpointMetadata() {
        return metadata;
    }

    @Override
    public String description() {
        return description;
    }

    /** The shards, in the order the index first names them. */
    public List<SafetensorsFile> shards() {
        return new ArrayList<>(shards);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
