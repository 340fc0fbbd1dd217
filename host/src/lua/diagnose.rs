//! Console errors piccolo leaves bare. Calling a global that is nil (a typo
//! such as `rnak(12, 1)`) says only "type error, expected function, found
//! nil", with no name and no line: the console names the call, its line,
//! and the plan's function with the nearest name.

use std::collections::BTreeSet;
use std::rc::Rc;

use piccolo::compiler::interning::BasicInterner;
use piccolo::compiler::lexer::{Lexer, Token};
use piccolo::{Context, Value};

/// piccolo's message for calling nil.
const CALLED_NIL: &str = "type error, expected function, found nil";

/// Names further than this many edits from every function get no guess.
const MAX_EDITS: usize = 2;

/// A fuller message for `error`, raised by the console chunk `source`
/// (named `chunk` in messages), when it is piccolo's bare "called nil" and
/// the chunk's one call is of a global that is nil. (With more calls, the
/// one that failed may be another, or one inside a function called.)
pub fn called_nil(ctx: Context<'_>, chunk: &str, source: &str, error: &str) -> Option<String> {
    if error != CALLED_NIL {
        return None;
    }
    let (calls, sites) = global_calls(source.as_bytes());
    if sites != 1 {
        return None;
    }
    let nil: Vec<(String, u64)> = calls
        .into_iter()
        .filter(|(name, _)| ctx.get_global(ctx.intern(name.as_bytes())).is_nil())
        .collect();
    let names: BTreeSet<&str> = nil.iter().map(|(name, _)| name.as_str()).collect();
    let [callee] = names.into_iter().collect::<Vec<_>>()[..] else { return None };
    let line = nil.iter().find(|(name, _)| name == callee).map_or(1, |(_, line)| *line);
    let mut message = format!("{chunk}:{line}: attempt to call a nil value (global '{callee}')");
    if let Some(near) = nearest_function(ctx, callee) {
        message += &format!("; did you mean '{near}'?");
    }
    Some(message)
}

/// The names `source` calls as globals (`name(`, `name "..."`, `name {`),
/// with the line of each call: not fields or methods (`a.name(`), not
/// names it declares local; and how many calls of any kind it holds.
fn global_calls(source: &[u8]) -> (Vec<(String, u64)>, usize) {
    let mut lexer = Lexer::new(source, BasicInterner::default());
    let mut locals = BTreeSet::new();
    let mut calls = Vec::new();
    // The token before the last, the last (a name, with its line).
    let mut before: Option<Token<Rc<[u8]>>> = None;
    let (mut sites, mut header) = (0, false);
    let mut last: Option<(Token<Rc<[u8]>>, u64)> = None;
    loop {
        if lexer.skip_whitespace().is_err() {
            break;
        }
        let line = lexer.line_number().0 + 1;
        let Ok(Some(token)) = lexer.read_token() else { break };
        let opens_arguments =
            matches!(token, Token::LeftParen | Token::String(_) | Token::LeftBrace);
        let ends_operand =
            matches!(last, Some((Token::Name(_) | Token::RightParen | Token::RightBracket, _)));
        match token {
            Token::Function => header = true,
            // A function's parameters, not a call.
            Token::LeftParen if header => header = false,
            _ if opens_arguments && ends_operand => sites += 1,
            _ => {}
        }
        if let Some((Token::Name(name), name_line)) = &last {
            let name = String::from_utf8_lossy(name).into_owned();
            match before {
                Some(Token::Local | Token::Function) => {
                    locals.insert(name);
                }
                Some(Token::Dot | Token::Colon | Token::Goto) => {}
                _ if matches!(token, Token::LeftParen | Token::String(_) | Token::LeftBrace) => {
                    calls.push((name, *name_line));
                }
                _ => {}
            }
        }
        before = last.take().map(|(token, _)| token);
        last = Some((token, line));
    }
    calls.retain(|(name, _)| !locals.contains(name));
    (calls, sites)
}

/// The global function whose name is fewest edits from `name`, if one is
/// close (ties go to the first in alphabetical order).
fn nearest_function(ctx: Context<'_>, name: &str) -> Option<String> {
    ctx.globals()
        .iter()
        .filter_map(|(key, value)| match (key, value) {
            (Value::String(key), Value::Function(_)) => Some(key.to_str_lossy().into_owned()),
            _ => None,
        })
        .map(|candidate| (strsim::levenshtein(name, &candidate), candidate))
        .filter(|(edits, candidate)| *edits <= MAX_EDITS && *edits < candidate.len())
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_calls_are_found_with_their_lines() {
        let source = "rank(1, 2)\nlocal f = nil f()\nt.g() t:h() print 'x'\nshow {1}\nlocal function k() end k()";
        let (calls, sites) = global_calls(source.as_bytes());
        let names: Vec<(&str, u64)> = calls.iter().map(|(n, l)| (n.as_str(), *l)).collect();
        assert_eq!(names, [("rank", 1), ("print", 3), ("show", 4)]);
        // rank, f, t.g, t:h, print, show, k: a function's header is no call.
        assert_eq!(sites, 7);
        // Strings and comments are not code.
        let (calls, sites) = global_calls(b"print('rnak(1)') -- rnak(2)");
        assert_eq!((calls.len(), sites), (1, 1));
        assert_eq!(global_calls(b"f()()").1, 2);
    }
}
