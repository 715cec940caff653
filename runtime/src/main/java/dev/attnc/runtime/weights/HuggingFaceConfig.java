package dev.attnc.runtime.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code config.json} as {@link CheckpointMetadata}: {@code hidden_size},
 * {@code num_attention_heads}, {@code rope_theta}, ... Nested objects become dotted keys
 * ({@code rope_scaling.factor}); whole numbers are {@link Long}, others {@link Double}; arrays of
 * plain values are lists; {@code null} values are left out.
 */
public final class HuggingFaceConfig {
    /** The largest config.json read: real ones are a few kilobytes. */
    public static final long MAX_BYTES = 4L << 20;
    /** How deep objects may nest before the file is refused. */
    private static final int MAX_DEPTH = 8;
    /** The most keys kept. */
    private static final int MAX_KEYS = 10_000;

    private HuggingFaceConfig() {
    }

    /**
     * Reads {@code path} (a config.json).
     *
     * @throws WeightException if the file is missing, too large or not a JSON object
     */
    public static CheckpointMetadata read(Path path) {
        Path fileName = path.getFileName();
        String file = fileName == null ? path.toString() : fileName.toString();
        RegularFiles.require(path, file, "a config.json file");
        String text;
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new WeightException(file + ": " + size + " bytes is over the limit of " + MAX_BYTES
                        + " for a model configuration");
            }
            byte[] bytes = Files.readAllBytes(path);
            if (bytes.length > MAX_BYTES) {
                throw new WeightException(file + ": grew past " + MAX_BYTES + " bytes while being read");
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new WeightException(file + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read: " + e, e);
        }
        return parse(text, file);
    }

    /** A config's text as metadata; {@code file} names it in messages. */
    public static CheckpointMetadata parse(String text, String file) {
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException | StackOverflowError e) {
            throw new WeightException(file + ": not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!root.isJsonObject()) {
            throw new WeightException(file + ": a model configuration is a JSON object, found " + kind(root));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        flatten("", root.getAsJsonObject(), values, 1, file);
        return CheckpointMetadata.of(values, file);
    }

    private static void flatten(String prefix, JsonObject object, Map<String, Object> values, int depth, String file) {
        if (depth > MAX_DEPTH) {
            throw new WeightException(file + ": objects nest deeper than " + MAX_DEPTH + " levels at \"" + prefix + "\"");
        }
        for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
            String key = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            JsonElement value = entry.getValue();
            if (value.isJsonObject()) {
                flatten(key, value.getAsJsonObject(), values, depth + 1, file);
                continue;
            }
            Object plain = value.isJsonArray() ? list(value.getAsJsonArray()) : plain(value);
            if (plain != null) {
                if (values.size() >= MAX_KEYS) {
                    throw new WeightException(file + ": more than " + MAX_KEYS + " keys");
                }
                values.put(key, plain);
            }
        }
    }

    /** An array of plain values as a list; null (left out) when it holds objects, arrays or nulls. */
    private static List<Object> list(JsonArray array) {
        List<Object> items = new ArrayList<>(array.size());
        for (JsonElement item : array) {
            Object plain = item.isJsonPrimitive() ? plain(item) : null;
            if (plain == null) {
                return null;
            }
            items.add(plain);
        }
        return List.copyOf(items);
    }

    private static Object plain(JsonElement value) {
        if (!value.isJsonPrimitive()) {
            return null;
        }
        JsonPrimitive primitive = value.getAsJsonPrimitive();
        if (primitive.isBoolean()) {
            return primitive.getAsBoolean();
        }
        if (primitive.isString()) {
            return primitive.getAsString();
        }
        BigDecimal number;
        try {
            number = primitive.getAsBigDecimal();
        } catch (NumberFormatException e) {
            return primitive.getAsString();
        }
        String written = primitive.getAsString();
        boolean whole = written.indexOf('.') < 0 && written.indexOf('e') < 0 && written.indexOf('E') < 0;
        if (whole) {
            try {
                return number.longValueExact();
            } catch (ArithmeticException tooLarge) {
                return number.doubleValue();
            }
        }
        return number.doubleValue();
    }

    private static String kind(JsonElement element) {
        return element.isJsonArray() ? "an array" : element.isJsonNull() ? "null" : "a plain value";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
