// The .attn language: attention architectures as small, checked programs.
// docs/language.md is the reference; this file is only the syntax. Statements need no
// separators (an optional ';' is allowed): every statement starts with a keyword or a name
// followed by '=' or ','.
grammar Attn;

file
    : topDecl* EOF
    ;

topDecl
    : modelDecl
    | blockDecl
    | attentionDecl
    | constDecl
    | ';'
    ;

modelDecl
    : 'model' name=ID '{' stmt* '}'
    ;

// A reusable group of statements, expanded at each call. Its parameters may carry a type;
// unknown dim names in that type are bound from the call's arguments.
blockDecl
    : 'block' name=ID '(' (blockParam (',' blockParam)*)? ')' '{' stmt* '}'
    ;

blockParam
    : name=ID (':' type)?
    ;

// A named attention variant: its clauses are applied wherever it is called. Clauses, like
// statements, need no separators; an optional ';' is allowed between them.
attentionDecl
    : 'attention' name=ID '{' (clause | ';')* '}'
    ;

// `scale`, `temperature`, `score`, `mask`, `softcap`: checked by the compiler, not reserved.
clause
    : key=ID value=expr
    ;

stmt
    : constDecl
    | dimDecl
    | inputDecl
    | paramDecl
    | assignStmt
    | repeatStmt
    | outputStmt
    | returnStmt
    | blockDecl
    | attentionDecl
    | ';'
    ;

constDecl
    : 'const' constItem (',' constItem)*
    ;

constItem
    : name=ID '=' value=expr
    ;

dimDecl
    : 'dim' dimItem (',' dimItem)*
    ;

dimItem
    : name=ID ('<=' max=expr)?
    ;

inputDecl
    : 'input' name=ID ':' type
    ;

type
    : dtype=('int' | 'float')? '[' (expr (',' expr)*)? ']'
    | dtype=('int' | 'float')
    ;

// `from "a" | "b"`: checkpoint names tried in order; the first the checkpoint holds is read.
paramDecl
    : 'param' name=ID ':' paramType ('from' sources+=STRING ('|' sources+=STRING)*)?
    ;

paramType
    : type                          # tensorParam
    | kind=ID '(' args? ')'         # layerParam
    ;

assignStmt
    : ID (',' ID)* '=' expr
    ;

repeatStmt
    : 'repeat' count=expr ('as' index=ID)? '{' stmt* '}'
    ;

outputStmt
    : 'output' ID (',' ID)*
    ;

returnStmt
    : 'return' expr (',' expr)*
    ;

expr
    : primary                                           # primaryExpr
    | expr '[' expr (',' expr)* ']'                     # indexExpr
    // Python's power: binds tighter than unary minus on its left (-x ** 2 is -(x ** 2)), right to left.
    | <assoc=right> expr '**' expr                      # powExpr
    | op=('-' | '!') expr                               # unaryExpr
    | expr '@' expr                                     # matmulExpr
    | expr op=('*' | '/' | '%') expr                    # mulExpr
    | expr op=('+' | '-') expr                          # addExpr
    | expr op=('<' | '<=' | '>' | '>=') expr            # compareExpr
    | expr op=('==' | '!=') expr                        # equalExpr
    | expr '&&' expr                                    # andExpr
    | expr '||' expr                                    # orExpr
    ;

primary
    : NUMBER                                            # numberLit
    | ('true' | 'false')                                # boolLit
    | STRING                                            # stringLit
    | callee=ID '(' args? ')'                           # callExpr
    | 'attention' '(' args? ')' ('{' (clause | ';')* '}')?  # attentionExpr
    | ID                                                # nameExpr
    | '(' expr ')'                                      # parenExpr
    | '[' (expr (',' expr)*)? ']'                       # listExpr
    ;

args
    : arg (',' arg)*
    ;

// `dim` is a keyword, but also the natural name of an axis argument: softmax(x, dim = 0).
arg
    : (name=argName '=')? value=expr
    ;

argName
    : ID
    | 'dim'
    ;

NUMBER
    : DIGITS ('.' DIGITS?)? EXPONENT?
    | '.' DIGITS EXPONENT?
    ;

fragment DIGITS   : [0-9] ('_'? [0-9])* ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;

ID
    : [a-zA-Z_] [a-zA-Z_0-9]*
    ;

STRING
    : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"'
    ;

LINE_COMMENT
    : '//' ~[\r\n]* -> skip
    ;

BLOCK_COMMENT
    : '/*' .*? '*/' -> skip
    ;

WS
    : [ \t\r\n\f]+ -> skip
    ;

// Tokens the parser never sees: the front end reports them and drops them, so one bad
// character costs one diagnostic, not a cascade.
UNTERMINATED_STRING
    : '"' (~["\\\r\n] | '\\' ~[\r\n])*
    ;

// A Python or shell comment: reported once at the '#', the rest of the line skipped.
HASH_COMMENT
    : '#' ~[\r\n]*
    ;

// A string in curly quotes pasted from a word processor (U+201C, U+201D, U+201E): reported
// once with a hint, then parsed as the string it was meant to be.
SMART_QUOTED_STRING
    : [\u201C\u201D\u201E] ~[\u201C\u201D\u201E"\r\n]* [\u201C\u201D\u201E"]
    ;

// Matches only when no '*/' follows, so a closed comment is always BLOCK_COMMENT.
UNTERMINATED_COMMENT
    : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF
    ;

BAD_CHAR
    : .
    ;
