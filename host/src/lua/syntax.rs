//! Syntax errors in Lua's words: piccolo's parser names its tokens as Rust
//! does (`found "Integer(2)", expected "RightParen"`); a plan author, and
//! anyone who mistypes a command at the console, reads `')' expected near
//! '2'`, as the `lua` interpreter says it.

use piccolo::compiler::parser::ParseErrorKind;

/// The message for a parse error, without its chunk and line.
pub fn message(kind: &ParseErrorKind) -> String {
    match kind {
        ParseErrorKind::Unexpected { unexpected, expected } => {
            let near = token_text(unexpected);
            match expected.as_str() {
                "grouped expression or name" | "field or suffix" | "expression suffix" => {
                    format!("unexpected symbol near {near}")
                }
                "name" | "parameter name or '...'" => format!("<name> expected near {near}"),
                "string" => format!("<string> expected near {near}"),
                other => match symbol(other) {
                    Some(symbol) => format!("'{symbol}' expected near {near}"),
                    None => format!("{other} expected near {near}"),
                },
            }
        }
        ParseErrorKind::EndOfStream { expected: Some(expected) } => match symbol(expected) {
            Some(symbol) => format!("'{symbol}' expected near {EOF}"),
            None => format!("<{expected}> expected near {EOF}"),
        },
        ParseErrorKind::EndOfStream { expected: None } => format!("unexpected symbol near {EOF}"),
        other => other.to_string(),
    }
}

/// What Lua names the end of the chunk in syntax errors (and the console
/// takes as a chunk not yet finished).
pub const EOF: &str = "<eof>";

/// A token as piccolo's parser printed it (`Integer(2)`, `Name("b")`,
/// `RightParen`), as it stands in the source, quoted: `'2'`, `'b'`, `')'`.
fn token_text(token: &str) -> String {
    let inner = |prefix: &str| token.strip_prefix(prefix).and_then(|t| t.strip_suffix(')'));
    if let Some(number) = inner("Integer(").or_else(|| inner("Float(")) {
        return format!("'{number}'");
    }
    if let Some(name) = inner("Name(") {
        return format!("'{}'", name.trim_matches('"'));
    }
    if let Some(string) = inner("String(") {
        return format!("'{string}'");
    }
    format!("'{}'", symbol(token).unwrap_or(token))
}

/// The source text of a token piccolo names by its variant.
fn symbol(variant: &str) -> Option<&'static str> {
    Some(match variant {
        "Break" => "break",
        "Do" => "do",
        "Else" => "else",
        "ElseIf" => "elseif",
        "End" => "end",
        "Function" => "function",
        "Goto" => "goto",
        "If" => "if",
        "In" => "in",
        "Local" => "local",
        "Nil" => "nil",
        "For" => "for",
        "While" => "while",
        "Repeat" => "repeat",
        "Until" => "until",
        "Return" => "return",
        "Then" => "then",
        "True" => "true",
        "False" => "false",
        "Not" => "not",
        "And" => "and",
        "Or" => "or",
        "Minus" => "-",
        "Add" => "+",
        "Mul" => "*",
        "Div" => "/",
        "IDiv" => "//",
        "Pow" => "^",
        "Mod" => "%",
        "Len" => "#",
        "BitNotXor" => "~",
        "BitAnd" => "&",
        "BitOr" => "|",
        "ShiftRight" => ">>",
        "ShiftLeft" => "<<",
        "Concat" => "..",
        "Dots" => "...",
        "Assign" => "=",
        "LessThan" => "<",
        "LessEqual" => "<=",
        "GreaterThan" => ">",
        "GreaterEqual" => ">=",
        "Equal" => "==",
        "NotEqual" => "~=",
        "Dot" => ".",
        "SemiColon" => ";",
        "Colon" => ":",
        "DoubleColon" => "::",
        "Comma" => ",",
        "LeftParen" => "(",
        "RightParen" => ")",
        "LeftBracket" => "[",
        "RightBracket" => "]",
        "LeftBrace" => "{",
        "RightBrace" => "}",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use piccolo::compiler::interning::BasicInterner;
    use piccolo::compiler::parse_chunk;

    /// The message for `source`'s syntax error, as the front end gives it.
    fn error_of(source: &str) -> String {
        let error = parse_chunk(source.as_bytes(), BasicInterner::default()).unwrap_err();
        super::message(&error.kind)
    }

    #[test]
    fn syntax_errors_read_as_lua_says_them() {
        for (source, expected) in [
            ("rank(1 2)", "')' expected near '2'"),
            ("x = = 1", "unexpected symbol near '='"),
            ("t = {a = 1 b = 2}", "'}' expected near 'b'"),
            ("if x then print(1)", "'end' expected near <eof>"),
            ("print('a' 'b')", "')' expected near '\"b\"'"),
            ("x = 1 +", "unexpected symbol near <eof>"),
            ("for i = 1 do end", "',' expected near 'do'"),
            ("for i do end", "'=' or 'in' expected near 'do'"),
            ("local function() end", "<name> expected near '('"),
            ("print(1))", "unexpected symbol near ')'"),
            ("return return", "unexpected symbol near 'return'"),
            ("x = 1.5 2.5", "unexpected symbol near '2.5'"),
            ("x = 3 y", "expression is not a statement"),
        ] {
            assert_eq!(error_of(source), expected, "{source}");
        }
    }
}
