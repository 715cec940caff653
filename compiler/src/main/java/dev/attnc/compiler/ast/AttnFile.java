package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.SourceFile;
import java.util.List;

/** A parsed file: top-level constants, blocks, attention variants and models, in order. */
public record AttnFile(SourceFile source, List<Stmt> decls) {
}
