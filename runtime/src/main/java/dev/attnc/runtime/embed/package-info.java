/** Sentence embeddings: texts through a tokenizer and an encoder in packed batches, pooled and normalised ({@link dev.attnc.runtime.embed.Embedder}). */
package dev.attnc.runtime.embed;
