//! The Lua front end: parses a chunk with piccolo's parser, rewrites the
//! syntax tree where piccolo 0.3.3 compiles Lua wrongly or lacks a feature,
//! and compiles the result. Every statement keeps its line number.
//!
//! A compiled chunk is wrapped so that it receives the host's hidden helper
//! functions as locals no script can name:
//!
//! ```lua
//! local (select), (method), (close), (pack), (unpack) = ...  -- from the runtime
//! return function(...) <the script> end
//! ```
//!
//! Each rewrite names the upstream piccolo fix it stands in for; drop it
//! when a release with that fix is adopted.
//!
//! piccolo's parser and compiler recurse for every level of nesting, and
//! its compiler once more for every suffix of a chain (`a.b.c()`) and every
//! operator of an expression: a flat line can nest thousands of levels
//! deep, and a stack overflow aborts the whole process. Before anything
//! recurses, the front end refuses chunks that would nest too deeply
//! ("chunk too complex", see `MAX_NESTING` and `MAX_LEVELS`).

use std::rc::Rc;

use piccolo::compiler::interning::BasicInterner;
use piccolo::compiler::lexer::{Lexer, Token};
use piccolo::compiler::parser::*;
use piccolo::compiler::{self, CompiledPrototype, LineNumber, StringInterner};

use super::attributes::{self, Attribute, Attributed};
use super::close;

/// Interned string type of the syntax tree.
pub type Str = Rc<[u8]>;

/// The name the console runs its chunks under: in them, calls of globals
/// go through `(global)` (see `Rewriter::checked_global_call`).
pub const CONSOLE_CHUNK: &str = "console";

/// The hidden helpers, in the order the runtime passes them to a chunk.
pub const HELPERS: [&str; 13] = [
    "(select)",
    "(method)",
    "(close)",
    "(pack)",
    "(unpack)",
    "(concat)",
    "(first)",
    "(idiv)",
    "(index)",
    "(forlimit)",
    "(shift)",
    "(mod)",
    "(global)",
];

/// The string library's functions: `s.len` reads them through `(index)`
/// (see `Rewriter::string_field`).
const STRING_FIELDS: [&str; 17] = [
    "byte", "char", "find", "format", "gfind", "gmatch", "gsub", "len", "lower", "match", "pack",
    "packsize", "rep", "reverse", "sub", "unpack", "upper",
];

/// Library tables, whose fields (`string.format`) are read directly.
const LIBRARIES: [&str; 8] =
    ["string", "table", "utf8", "math", "os", "io", "coroutine", "package"];

/// Why a chunk did not compile; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{chunk}:{line}: {message}")]
pub struct SyntaxError {
    pub chunk: String,
    pub line: u64,
    pub message: String,
}

/// Parses, rewrites and compiles `source`.
pub fn compile(chunk: &str, source: &[u8]) -> Result<CompiledPrototype<Str>, SyntaxError> {
    let mut interner = BasicInterner::default();
    let error = |line: LineNumber, message: String| SyntaxError {
        chunk: chunk.to_owned(),
        line: line.0 + 1,
        message,
    };
    let (source, attributes) =
        attributes::strip(source).map_err(|e| error(LineNumber(e.line), e.message))?;
    check_nesting(&source).map_err(|(line, message)| error(line, message))?;
    let parsed = guarded(|| compiler::parse_chunk(&source[..], &mut interner))
        .map_err(|panic| error(LineNumber(0), panic))?
        .map_err(|e| error(e.line_number, super::syntax::message(&e.kind)))?;
    if let Some((line, label)) = goto_out_of_for(&parsed.block, &[]) {
        let label = String::from_utf8_lossy(&label);
        let message = format!(
            "'goto {label}' leaves a 'for' loop, which piccolo 0.3.3 cannot compile \
             (use 'break' with a flag, or return from a function)"
        );
        return Err(error(line, message));
    }
    let mut levels = Levels { attributes: &attributes, line: LineNumber(0) };
    levels.block(&parsed.block, CHUNK_LEVELS).map_err(|(line, message)| error(line, message))?;
    let mut rewriter = Rewriter {
        interner: &mut interner,
        varargs_shift: Vec::new(),
        temps: 0,
        scopes: Vec::new(),
        attributes,
        line: LineNumber(0),
        error: None,
        takes_varargs: Vec::new(),
        checked_calls: chunk == CONSOLE_CHUNK,
    };
    let wrapped = rewriter.wrap(parsed);
    if let Some((line, message)) = rewriter.error {
        return Err(error(line, message));
    }
    guarded(|| compiler::compile_chunk(&wrapped, &mut interner))
        .map_err(|panic| error(LineNumber(0), panic))?
        .map_err(|e| error(e.line_number, e.kind.to_string()))
}

// How deep a chunk may nest. A stack overflow cannot be caught, so the
// front end refuses a chunk before piccolo recurses through it deeper than
// the Lua thread's stack allows (`LUA_STACK_BYTES`; every thread that
// compiles Lua has that stack):
//
// - piccolo's parser recurses for each nested function, block or bracket
//   and for each pending operator, 200 levels in all (its own "recursion
//   limit reached"): measured per level, up to 21 KB of stack in a debug
//   build, where piccolo's generic parser is compiled unoptimised with
//   planhost, and 3.7 KB in release, so at most 4.2 MB. `check_nesting`
//   bounds the nesting on the tokens, before the parser runs, a little
//   below piccolo's own limit (Lua's is 200 too), and so refuses it with
//   the line; it also counts chains, sparing the parser a chain of
//   millions.
// - piccolo's compiler recurses for each nested expression, block and
//   function, and also for each suffix of a chain (`x.a.a.a`, `f()()()`)
//   and each operator of an expression (`a + b + c`), which its parser reads
//   flat: a line of 20,000 suffixes needs 20,000 levels. The rewrites add
//   levels of their own: `a // b` and `s:m()` become nested calls, and each
//   `<close>` local makes the rest of its block a nested function. `Levels`
//   counts them on the parsed chunk, before the rewrites run.
//
// Measured stack per compiler level (debug / release): a suffix 5.3 / 0.8
// KB, an operator 5.1 / 0.8, a method call or `//` 5.7 / 1.6, a nested
// function (3 levels) 11.6 / 3.6, a `<close>` local (4 levels) 22.4 / 6.0:
// at most 5.7 / 1.6 KB a level. At `MAX_LEVELS` the worst chunks measured
// (`the_worst_chunks_allowed_fit_half_the_lua_thread_stack`) need 27.8 MB
// of stack in a debug build and 7.3 MB in release, under half of the
// thread's 64 MiB; the parser's worst, 3.9 MB and 0.7 MB.
//
// Within these limits, piccolo's compiler may still run out of its 256
// registers and refuse a chunk itself: past about 250 chained method
// calls or `//` (each a nested call once rewritten), 127 nested list
// constructors (`{{...}}`) or 63 nested `for` loops. Lua 5.4 has 255
// registers too, but needs fewer for the first two.

/// Stack of every thread that runs Lua: the Lua thread, and `planhost
/// run`'s. 64 MiB holds more than twice the deepest chunk the limits let
/// through in a debug build (27.8 MB) and nine times in release; it is
/// address space, committed only as far as a chunk reaches.
pub const LUA_STACK_BYTES: usize = 64 << 20;

/// Runs `f` on a thread of its own with `stack` bytes of stack (the Lua
/// thread's is [`LUA_STACK_BYTES`]; the calling thread's may be anything
/// `ulimit -s` or a test harness gave it) and waits for it; a panic in it
/// goes on in the caller.
pub fn on_stack<T: Send>(stack: usize, f: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("planhost-lua".into())
            .stack_size(stack)
            .spawn_scoped(scope, f)?;
        Ok(thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Functions, blocks and brackets a chunk may have open at once: below
/// piccolo's parser's own limit of 200 levels, which also counts the
/// statement and the expression they are in.
pub const MAX_NESTING: usize = 190;
/// Levels of nesting the compiler may go through (see `Levels`).
pub const MAX_LEVELS: usize = 5_000;
/// Suffixes (`.a`, `[k]`, `(...)`, `:m(...)`) one chain may have.
pub const MAX_SUFFIXES: usize = 1_000;
/// Binary operators one expression may have, `..` aside (the front end
/// makes a chain of `..` one call).
pub const MAX_OPERATORS: usize = 1_000;
/// `<close>` locals one block may declare (Lua's limit on locals is 200).
pub const MAX_CLOSES: usize = 200;

/// Levels a function definition adds.
const FUNCTION_LEVELS: usize = 2;
/// Levels the chunk's wrapper adds (`return function(...) <chunk> end`).
const CHUNK_LEVELS: usize = FUNCTION_LEVELS + 1;

/// Where a chunk is too complex, and why.
type TooComplex = (LineNumber, String);

fn too_complex(line: LineNumber, what: String) -> TooComplex {
    (line, format!("chunk too complex ({what})"))
}

/// An interner that keeps no strings: `check_nesting` only needs tokens.
struct Discard;

impl StringInterner for Discard {
    type String = &'static [u8];

    fn intern(&mut self, _: &[u8]) -> &'static [u8] {
        b""
    }
}

/// Refuses a chunk that opens more than `MAX_NESTING` functions, blocks and
/// brackets at once, or that has a suffix chain longer than `MAX_SUFFIXES`
/// (the chain is counted again on the tree, see `Levels`; counting it here
/// spares piccolo's parser a chain of millions: 16 MiB of `.a` took it
/// 2.4 s and 690 MB, and is now refused in 0.2 s). A lexing error is left
/// to the parser to report.
fn check_nesting(source: &[u8]) -> Result<(), TooComplex> {
    let mut lexer = Lexer::new(source, Discard);
    // What is open, innermost last.
    let mut open: Vec<Open> = Vec::new();
    // Whether the last token ended an operand (`x`, `1`, `)`, `end`).
    let mut after_operand = false;
    // Whether a function's name or parameters are being read: the
    // parentheses of its parameters are no nesting.
    let mut header = Header::None;
    // The chain the last token ended, if a suffix may follow it (after a
    // name, a call, an index or a parenthesised expression).
    let mut chain: Option<Chain> = None;
    // What the next name is.
    let mut next = Next::Any;
    loop {
        if lexer.skip_whitespace().is_err() {
            return Ok(());
        }
        let line = lexer.line_number();
        let Ok(Some(token)) = lexer.read_token() else { return Ok(()) };
        if open.last().is_some_and(|o| o.until) && ends_condition(&token, after_operand) {
            open.pop();
        }
        match (header, &token) {
            (Header::Name, Token::Name(_) | Token::Dot | Token::Colon) => {
                chain = None;
                after_operand = false;
                continue;
            }
            (Header::Name, Token::LeftParen) => {
                header = Header::Parameters;
                continue;
            }
            (Header::Parameters, Token::Name(_) | Token::Comma | Token::Dots) => continue,
            (Header::Parameters, Token::RightParen) => {
                header = Header::None;
                after_operand = false;
                continue;
            }
            (_, Token::Function) => header = Header::Name,
            _ => header = Header::None,
        }
        // The suffix this token adds to the chain, and where the chain goes
        // on after the bracket it opens, if it opens one.
        let mut resume = None;
        let mut suffix = false;
        match (&token, next) {
            (Token::Name(_), Next::Field) => next = Next::Any,
            (Token::Name(_), Next::Method) => next = Next::Arguments,
            (Token::Name(_), Next::Declared) => next = Next::DeclaredName,
            (Token::Comma, Next::DeclaredName) => next = Next::Declared,
            (Token::DoubleColon, Next::DeclaredName) => next = Next::Any,
            (Token::Name(_), _) => {
                chain = Some(Chain { suffixes: 0, line });
                next = Next::Any;
            }
            // A method's arguments: the same suffix as its name.
            (Token::LeftParen | Token::LeftBrace, Next::Arguments) => {
                resume = chain;
                next = Next::Any;
            }
            (Token::String(_), Next::Arguments) => next = Next::Any,
            (Token::Dot, _) if chain.is_some() => {
                suffix = true;
                next = Next::Field;
            }
            (Token::Colon, _) if chain.is_some() => {
                suffix = true;
                next = Next::Method;
            }
            (Token::LeftParen | Token::LeftBracket | Token::LeftBrace, _) if chain.is_some() => {
                suffix = true;
                next = Next::Any;
            }
            (Token::String(_), _) if chain.is_some() => {
                suffix = true;
                next = Next::Any;
            }
            // A parenthesised expression may start a chain.
            (Token::LeftParen, _) => {
                resume = Some(Chain { suffixes: 0, line });
                next = Next::Any;
            }
            (Token::Local | Token::For | Token::Goto | Token::DoubleColon, _) => {
                chain = None;
                next = Next::Declared;
            }
            _ => {
                chain = None;
                next = Next::Any;
            }
        }
        if suffix && let Some(chain) = &mut chain {
            chain.suffixes += 1;
            if chain.suffixes > MAX_SUFFIXES {
                let what = format!("suffix chain of more than {MAX_SUFFIXES}");
                return Err(too_complex(chain.line, what));
            }
            resume = Some(*chain);
        }
        match token {
            Token::LeftParen
            | Token::LeftBracket
            | Token::LeftBrace
            | Token::Function
            | Token::Do
            | Token::If
            | Token::Repeat => {
                open.push(Open { until: false, resume });
                if open.len() > MAX_NESTING {
                    let what =
                        format!("more than {MAX_NESTING} nested functions, blocks or brackets");
                    return Err(too_complex(line, what));
                }
                // Inside the bracket, no chain goes on.
                chain = None;
            }
            Token::RightParen
            | Token::RightBracket
            | Token::RightBrace
            | Token::End
            | Token::Until => {
                while open.last().is_some_and(|o| o.until) {
                    open.pop();
                }
                chain = open.pop().and_then(|o| o.resume);
                if matches!(token, Token::Until) {
                    open.push(Open { until: true, resume: None });
                }
            }
            _ => {}
        }
        after_operand = matches!(
            token,
            Token::Name(_)
                | Token::String(_)
                | Token::Integer(_)
                | Token::Float(_)
                | Token::Nil
                | Token::True
                | Token::False
                | Token::Dots
                | Token::RightParen
                | Token::RightBracket
                | Token::RightBrace
                | Token::End
        );
    }
}

/// Something `check_nesting` found open.
struct Open {
    /// The condition after `until`, which piccolo parses inside the
    /// `repeat` statement.
    until: bool,
    /// The chain that goes on once this bracket closes: a call's, an
    /// index's or a parenthesised expression's.
    resume: Option<Chain>,
}

/// A suffix chain `check_nesting` is reading.
#[derive(Clone, Copy)]
struct Chain {
    suffixes: usize,
    /// Where the chain starts.
    line: LineNumber,
}

/// What `check_nesting` takes the next name for.
#[derive(Clone, Copy, PartialEq)]
enum Next {
    Any,
    /// A field's name, after `.`.
    Field,
    /// A method's name, after `:`.
    Method,
    /// A method's arguments, after its name.
    Arguments,
    /// A name declared (`local a, b`, `for k, v`, `goto l`, `::l::`),
    /// which starts no chain: in `local x (f)()`, `(f)()` is a statement.
    Declared,
    /// After a declared name: a comma for another, or a new statement.
    DeclaredName,
}

/// Where `check_nesting` is in a function's header.
#[derive(Clone, Copy, PartialEq)]
enum Header {
    None,
    /// After `function`, before its parameters.
    Name,
    /// Inside the parentheses of the parameters.
    Parameters,
}

/// Whether `token` ends the condition of a `repeat ... until`: it starts a
/// statement, or follows an operand without continuing the expression.
fn ends_condition<S>(token: &Token<S>, after_operand: bool) -> bool {
    let continues = matches!(
        token,
        Token::Dot
            | Token::Colon
            | Token::LeftBracket
            | Token::LeftParen
            | Token::LeftBrace
            | Token::String(_)
            | Token::Minus
            | Token::Add
            | Token::Mul
            | Token::Div
            | Token::IDiv
            | Token::Pow
            | Token::Mod
            | Token::BitAnd
            | Token::BitNotXor
            | Token::BitOr
            | Token::ShiftRight
            | Token::ShiftLeft
            | Token::Concat
            | Token::LessThan
            | Token::LessEqual
            | Token::GreaterThan
            | Token::GreaterEqual
            | Token::Equal
            | Token::NotEqual
            | Token::And
            | Token::Or
    );
    let statement = matches!(
        token,
        Token::Local
            | Token::If
            | Token::For
            | Token::While
            | Token::Do
            | Token::Repeat
            | Token::Return
            | Token::Break
            | Token::Goto
            | Token::DoubleColon
            | Token::SemiColon
            | Token::Else
            | Token::ElseIf
            | Token::End
            | Token::Until
    );
    statement || (after_operand && !continues)
}

/// Counts, on the parsed chunk, the levels piccolo's compiler will recurse
/// through once the rewrites ran, and refuses the chunk past `MAX_LEVELS`.
/// Each nested statement, expression, bracket, suffix of a chain, operator
/// of an expression and unary operator counts one level, a function
/// `FUNCTION_LEVELS`, and each `<close>` local `close::LEVELS` for the rest
/// of its block. A chain past `MAX_SUFFIXES`, an expression past
/// `MAX_OPERATORS` and a block past `MAX_CLOSES` are refused on their own,
/// naming what is too long. The walk itself recurses only as deep as the
/// parser did.
struct Levels<'a> {
    /// The `<const>`/`<close>` attributes, in source order.
    attributes: &'a [Attributed],
    /// The line of the statement being walked.
    line: LineNumber,
}

impl Levels<'_> {
    fn level(&self, depth: usize) -> Result<(), TooComplex> {
        if depth > MAX_LEVELS {
            return Err(too_complex(
                self.line,
                format!("more than {MAX_LEVELS} levels of nesting"),
            ));
        }
        Ok(())
    }

    fn block(&mut self, block: &Block<Str>, depth: usize) -> Result<(), TooComplex> {
        let mut depth = depth;
        let mut closes = 0;
        for statement in &block.statements {
            self.line = statement.line_number;
            self.statement(&statement.inner, depth)?;
            if close_variable(self.attributes, statement).is_some() {
                closes += 1;
                if closes > MAX_CLOSES {
                    let what = format!("more than {MAX_CLOSES} <close> variables in one block");
                    return Err(too_complex(self.line, what));
                }
                // The rest of the block becomes a function (see `close.rs`).
                depth += close::LEVELS;
            }
        }
        if let Some(ret) = &block.return_statement {
            self.line = ret.line_number;
            self.level(depth + 1)?;
            for value in &ret.returns {
                self.expression(value, depth + 1)?;
            }
        }
        Ok(())
    }

    fn statement(&mut self, statement: &Statement<Str>, depth: usize) -> Result<(), TooComplex> {
        let inner = depth + 1;
        self.level(inner)?;
        match statement {
            Statement::If(s) => {
                self.expression(&s.if_part.0, inner)?;
                self.block(&s.if_part.1, inner)?;
                for (condition, block) in &s.else_if_parts {
                    self.expression(condition, inner)?;
                    self.block(block, inner)?;
                }
                if let Some(block) = &s.else_part {
                    self.block(block, inner)?;
                }
            }
            Statement::While(s) => {
                self.expression(&s.condition, inner)?;
                self.block(&s.block, inner)?;
            }
            Statement::Do(block) => self.block(block, inner)?,
            Statement::For(ForStatement::Numeric { initial, limit, step, body, .. }) => {
                self.expression(initial, inner)?;
                self.expression(limit, inner)?;
                if let Some(step) = step {
                    self.expression(step, inner)?;
                }
                self.block(body, inner)?;
            }
            // The loop may go into a `do` block (`generic_for_through_temporaries`).
            Statement::For(ForStatement::Generic { arguments, body, .. }) => {
                for argument in arguments {
                    self.expression(argument, inner + 1)?;
                }
                self.block(body, inner + 1)?;
            }
            Statement::Repeat(s) => {
                self.block(&s.body, inner)?;
                self.expression(&s.until, inner)?;
            }
            Statement::Function(s) => self.function(&s.definition, inner)?,
            Statement::LocalFunction(s) => self.function(&s.definition, inner)?,
            Statement::LocalStatement(s) => {
                for value in &s.values {
                    self.expression(value, inner)?;
                }
            }
            // An assignment may go into a `do` block (`assignment_through_temporaries`).
            Statement::Assignment(s) => {
                for target in &s.targets {
                    if let AssignmentTarget::Field(object, field) = target {
                        let object = self.chain(object, 1, inner + 1)?;
                        if let FieldSuffix::Indexed(key) = field {
                            self.expression(key, object + 1)?;
                        }
                    }
                }
                for value in &s.values {
                    self.expression(value, inner + 1)?;
                }
            }
            Statement::FunctionCall(call) => {
                let head = self.chain(&call.head, 1, inner)?;
                let (CallSuffix::Function(args) | CallSuffix::Method(_, args)) = &call.call;
                for arg in args {
                    self.expression(arg, head + 1)?;
                }
            }
            Statement::Label(_) | Statement::Break | Statement::Goto(_) => {}
        }
        Ok(())
    }

    fn function(
        &mut self,
        definition: &FunctionDefinition<Str>,
        depth: usize,
    ) -> Result<(), TooComplex> {
        self.block(&definition.body, depth + FUNCTION_LEVELS)
    }

    fn expression(&mut self, expression: &Expression<Str>, depth: usize) -> Result<(), TooComplex> {
        self.operand(expression, depth, false)
    }

    /// An expression whose operators nest one level each (piccolo folds
    /// them left), but for `..`: a chain of those becomes one `(concat)`
    /// call, three levels down, whose arguments sit side by side. `chained`
    /// tells that `expression` continues such a chain.
    fn operand(
        &mut self,
        expression: &Expression<Str>,
        depth: usize,
        chained: bool,
    ) -> Result<(), TooComplex> {
        self.level(depth)?;
        let is_concat = |op: &BinaryOperator| *op == BinaryOperator::Concat;
        let operators = expression.tail.iter().filter(|(op, _)| !is_concat(op)).count();
        if operators > MAX_OPERATORS {
            let what = format!("more than {MAX_OPERATORS} operators in one expression");
            return Err(too_complex(self.line, what));
        }
        let concatenated = expression.tail.iter().any(|(op, _)| is_concat(op));
        let operands = if concatenated && !chained { depth + 3 } else { depth };
        let inner = operands + operators;
        match expression.head.as_ref() {
            HeadExpression::Simple(simple) => self.simple(simple, inner)?,
            HeadExpression::UnaryOperator(_, operand) => self.expression(operand, inner + 1)?,
        }
        for (op, right) in &expression.tail {
            if is_concat(op) {
                self.operand(right, operands, true)?;
            } else {
                self.expression(right, inner + 1)?;
            }
        }
        Ok(())
    }

    fn simple(
        &mut self,
        expression: &SimpleExpression<Str>,
        depth: usize,
    ) -> Result<(), TooComplex> {
        match expression {
            // May become `(select)(n, ...)`.
            SimpleExpression::VarArgs => self.level(depth + 1)?,
            SimpleExpression::TableConstructor(table) => {
                for field in &table.fields {
                    match field {
                        ConstructorField::Array(value) => self.expression(value, depth + 1)?,
                        ConstructorField::Record(key, value) => {
                            if let RecordKey::Indexed(key) = key {
                                self.expression(key, depth + 1)?;
                            }
                            self.expression(value, depth + 1)?;
                        }
                    }
                }
            }
            SimpleExpression::Function(definition) => self.function(definition, depth)?,
            SimpleExpression::Suffixed(suffixed) => {
                self.chain(suffixed, 0, depth)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A suffix chain with `extra` suffixes more (a call statement's call,
    /// an assigned field); returns the level its last suffix is compiled at.
    /// A method call or a string library field becomes a nested call, one
    /// level per suffix still.
    fn chain(
        &mut self,
        expression: &SuffixedExpression<Str>,
        extra: usize,
        depth: usize,
    ) -> Result<usize, TooComplex> {
        let suffixes = expression.suffixes.len() + extra;
        if suffixes > MAX_SUFFIXES {
            return Err(too_complex(
                self.line,
                format!("suffix chain of more than {MAX_SUFFIXES}"),
            ));
        }
        let inner = depth + suffixes;
        self.level(inner)?;
        if let PrimaryExpression::GroupedExpression(grouped) = &expression.primary {
            // `(f())` may become `(first)(f())`.
            self.expression(grouped, inner + 2)?;
        }
        for suffix in &expression.suffixes {
            match suffix {
                SuffixPart::Field(FieldSuffix::Named(_)) => {}
                SuffixPart::Field(FieldSuffix::Indexed(key)) => self.expression(key, inner + 1)?,
                SuffixPart::Call(CallSuffix::Function(args) | CallSuffix::Method(_, args)) => {
                    for arg in args {
                        self.expression(arg, inner + 1)?;
                    }
                }
            }
        }
        Ok(inner)
    }
}

/// The attributes found on the `local` statement of `line` (`attributes`
/// is in source order).
fn attributes_on(attributes: &[Attributed], line: LineNumber) -> &[Attributed] {
    let start = attributes.partition_point(|a| a.line < line.0);
    let end = attributes.partition_point(|a| a.line <= line.0);
    &attributes[start..end]
}

/// The variable `statement` declares `<close>`, if it is such a `local`.
fn close_variable<'s>(
    attributes: &[Attributed],
    statement: &'s LineAnnotated<Statement<Str>>,
) -> Option<&'s Str> {
    let Statement::LocalStatement(local) = &statement.inner else { return None };
    attributes_on(attributes, statement.line_number)
        .iter()
        .filter(|a| a.attribute == Attribute::Close)
        .find_map(|a| local.names.iter().find(|n| n.as_ref() == a.name.as_slice()))
}

/// Runs piccolo's parser or compiler, turning one of its internal
/// assertions into an error instead of a crash.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        format!("piccolo cannot compile this chunk ({})", panic_message(panic.as_ref()))
    })
}

/// The text a panic carried, if any.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

/// The first `goto` inside a `for` loop to a label outside that loop:
/// piccolo 0.3.3's compiler panics on those. `outer` holds the labels of
/// the enclosing `for` bodies that are being checked.
fn goto_out_of_for(block: &Block<Str>, outer: &[Vec<Str>]) -> Option<(LineNumber, Str)> {
    for statement in &block.statements {
        let found = match &statement.inner {
            Statement::Goto(goto) => {
                let inside_every_loop = outer.iter().all(|labels| labels.contains(&goto.name));
                (!inside_every_loop).then(|| (statement.line_number, goto.name.clone()))
            }
            Statement::For(
                ForStatement::Numeric { body, .. } | ForStatement::Generic { body, .. },
            ) => {
                let mut loops = outer.to_vec();
                loops.push(labels_in(body));
                goto_out_of_for(body, &loops)
            }
            Statement::Do(b) => goto_out_of_for(b, outer),
            Statement::While(w) => goto_out_of_for(&w.block, outer),
            Statement::Repeat(r) => goto_out_of_for(&r.body, outer),
            Statement::If(i) => std::iter::once(&i.if_part.1)
                .chain(i.else_if_parts.iter().map(|(_, b)| b))
                .chain(i.else_part.as_ref())
                .find_map(|b| goto_out_of_for(b, outer)),
            // A function body starts afresh: its gotos cannot leave it.
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Every label defined in `block`, nested blocks included (not functions).
fn labels_in(block: &Block<Str>) -> Vec<Str> {
    let mut labels = Vec::new();
    for statement in &block.statements {
        match &statement.inner {
            Statement::Label(label) => labels.push(label.name.clone()),
            Statement::Do(b) => labels.extend(labels_in(b)),
            Statement::While(w) => labels.extend(labels_in(&w.block)),
            Statement::Repeat(r) => labels.extend(labels_in(&r.body)),
            Statement::For(
                ForStatement::Numeric { body, .. } | ForStatement::Generic { body, .. },
            ) => labels.extend(labels_in(body)),
            Statement::If(i) => {
                labels.extend(labels_in(&i.if_part.1));
                for (_, b) in &i.else_if_parts {
                    labels.extend(labels_in(b));
                }
                if let Some(b) = &i.else_part {
                    labels.extend(labels_in(b));
                }
            }
            _ => {}
        }
    }
    labels
}

struct Rewriter<'a> {
    interner: &'a mut BasicInterner,
    /// For each enclosing function: how many leading values of `...` are
    /// fixed parameters (see `function_definition`).
    varargs_shift: Vec<usize>,
    temps: usize,
    /// The locals in scope, innermost last.
    scopes: Vec<Vec<Local>>,
    /// The `<const>`/`<close>` attributes the source carried.
    attributes: Vec<Attributed>,
    /// The line of the statement being rewritten.
    line: LineNumber,
    /// The first error found (assignment to a constant).
    error: Option<(LineNumber, String)>,
    /// For each enclosing function: whether it (after the rewrites) takes `...`.
    takes_varargs: Vec<bool>,
    /// Calls of globals go through `(global)` (the console's chunks).
    checked_calls: bool,
}

/// A local variable in scope.
struct Local {
    name: Str,
    /// The attribute the source gave it.
    attribute: Option<Attribute>,
    /// How many functions enclose its declaration (the chunk is one).
    depth: usize,
}

impl Rewriter<'_> {
    /// Declares a local in the innermost scope, with the attribute the
    /// source gave it on this line.
    fn declare(&mut self, name: &Str, line: LineNumber) {
        let attribute = attributes_on(&self.attributes, line)
            .iter()
            .find(|a| a.name.as_slice() == name.as_ref())
            .map(|a| a.attribute);
        let depth = self.varargs_shift.len();
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Local { name: name.clone(), attribute, depth });
        }
    }

    /// The innermost local called `name`, if one is in scope.
    fn local(&self, name: &Str) -> Option<&Local> {
        self.scopes.iter().rev().flat_map(|scope| scope.iter().rev()).find(|l| &l.name == name)
    }

    /// Refuses an assignment to a `<const>` or `<close>` local, as Lua's
    /// compiler does.
    fn check_assignment(&mut self, name: &Str) {
        let attribute = self.local(name).and_then(|local| local.attribute);
        if attribute.is_some() && self.error.is_none() {
            let name = String::from_utf8_lossy(name);
            self.error = Some((self.line, format!("attempt to assign to const variable '{name}'")));
        }
    }

    fn name(&mut self, text: &str) -> Str {
        self.interner.intern(text.as_bytes())
    }

    fn temp(&mut self) -> Str {
        self.temps += 1;
        let name = format!("(temp {})", self.temps);
        self.name(&name)
    }

    /// `local (select), (method) = ... ; return function(...) <block> end`
    fn wrap(&mut self, chunk: Chunk<Str>) -> Chunk<Str> {
        let first_line = chunk.block.statements.first().map_or(LineNumber(0), |s| s.line_number);
        let mut body = chunk.block;
        self.varargs_shift.push(0);
        self.takes_varargs.push(true);
        self.block(&mut body);
        self.takes_varargs.pop();
        self.varargs_shift.pop();
        let names = HELPERS.iter().map(|h| self.name(h)).collect();
        let helpers = Statement::LocalStatement(LocalStatement {
            names,
            values: vec![simple(SimpleExpression::VarArgs)],
        });
        let main = FunctionDefinition { parameters: Vec::new(), has_varargs: true, body };
        let closed_on = main.body.closed_on;
        Chunk {
            block: Block {
                statements: vec![LineAnnotated::new(first_line, helpers)],
                return_statement: Some(LineAnnotated::new(
                    first_line,
                    ReturnStatement { returns: vec![simple(SimpleExpression::Function(main))] },
                )),
                closed_on,
            },
        }
    }

    fn block(&mut self, block: &mut Block<Str>) {
        self.scopes.push(Vec::new());
        let statements = std::mem::take(&mut block.statements);
        for statement in statements {
            let line = statement.line_number;
            self.line = line;
            for rewritten in self.statement(statement.inner) {
                block.statements.push(LineAnnotated::new(line, rewritten));
            }
        }
        if let Some(ret) = &mut block.return_statement {
            self.line = ret.line_number;
            self.expressions(&mut ret.inner.returns);
            // `return a .. b` would be a tail call of the helper (piccolo
            // makes `return (f())` one too), leaving its errors unlocated.
            if let [only] = ret.inner.returns.as_mut_slice()
                && self.is_helper_call(only)
            {
                let temp = self.temp();
                let value = std::mem::replace(only, name_expression(temp.clone()));
                let local = LocalStatement { names: vec![temp], values: vec![value] };
                block
                    .statements
                    .push(LineAnnotated::new(ret.line_number, Statement::LocalStatement(local)));
            }
        }
        self.close_scopes(block);
        self.scopes.pop();
    }

    /// Wraps what follows each `<close>` local (see `close.rs`), the last
    /// one first so earlier ones enclose it.
    fn close_scopes(&mut self, block: &mut Block<Str>) {
        let closes: Vec<(usize, Str, LineNumber)> = block
            .statements
            .iter()
            .enumerate()
            .filter_map(|(i, statement)| {
                close_variable(&self.attributes, statement)
                    .map(|name| (i, name.clone(), statement.line_number))
            })
            .collect();
        if closes.is_empty() {
            return;
        }
        let names = close::Names {
            close: self.name("(close)"),
            pack: self.name("(pack)"),
            unpack: self.name("(unpack)"),
            result: self.name("(closed)"),
            n: self.name("n"),
        };
        let varargs = self.takes_varargs.last().copied().unwrap_or(false);
        for (index, variable, line) in closes.into_iter().rev() {
            close::wrap_rest(block, index, variable, varargs, line, &names);
        }
    }

    /// A block whose scope starts with `names` (loop variables, parameters).
    fn block_with(&mut self, names: &[Str], block: &mut Block<Str>) {
        let line = self.line;
        self.scopes.push(Vec::new());
        for name in names {
            self.declare(name, line);
        }
        self.block(block);
        self.scopes.pop();
    }

    fn statement(&mut self, statement: Statement<Str>) -> Vec<Statement<Str>> {
        let mut statement = statement;
        match &mut statement {
            Statement::If(s) => {
                self.expression(&mut s.if_part.0);
                self.block(&mut s.if_part.1);
                for (condition, block) in &mut s.else_if_parts {
                    self.expression(condition);
                    self.block(block);
                }
                if let Some(block) = &mut s.else_part {
                    self.block(block);
                }
            }
            Statement::While(s) => {
                self.expression(&mut s.condition);
                self.block(&mut s.block);
            }
            Statement::Do(block) => self.block(block),
            Statement::For(ForStatement::Numeric { name, initial, limit, step, body }) => {
                self.expression(initial);
                self.expression(limit);
                if let Some(step) = step {
                    self.expression(step);
                }
                self.integer_loop_limit(initial, limit, step.as_ref());
                self.block_with(std::slice::from_ref(name), body);
            }
            Statement::For(ForStatement::Generic { names, arguments, body }) => {
                self.expressions(arguments);
                self.block_with(names, body);
                if arguments.len() == 2 && self.is_multiple_value(&arguments[1]) {
                    let line = self.line;
                    let empty =
                        Block { statements: Vec::new(), return_statement: None, closed_on: line };
                    let (names, body) = (std::mem::take(names), std::mem::replace(body, empty));
                    return vec![self.generic_for_through_temporaries(
                        names,
                        std::mem::take(arguments),
                        body,
                    )];
                }
            }
            Statement::Repeat(s) => {
                self.block(&mut s.body);
                self.expression(&mut s.until);
            }
            Statement::Function(s) => {
                if s.fields.is_empty() && s.method.is_none() {
                    self.check_assignment(&s.name);
                }
                // `function a.b:m(x)` keeps its implicit `self`.
                let is_method = s.method.is_some();
                self.method_definition(&mut s.definition, is_method);
            }
            Statement::LocalFunction(s) => {
                let line = self.line;
                self.declare(&s.name, line);
                self.function_definition(&mut s.definition);
            }
            Statement::LocalStatement(s) => {
                self.expressions(&mut s.values);
                let line = self.line;
                for name in &s.names {
                    self.declare(name, line);
                }
                if s.names.len() > 1 && s.values.iter().any(|v| mentions(v, &s.names)) {
                    return self.local_through_temporaries(std::mem::replace(
                        s,
                        LocalStatement { names: Vec::new(), values: Vec::new() },
                    ));
                }
            }
            Statement::Label(_) | Statement::Break | Statement::Goto(_) => {}
            Statement::FunctionCall(call) => {
                self.suffixed(&mut call.head);
                if call.head.suffixes.is_empty()
                    && let CallSuffix::Function(args) = &mut call.call
                {
                    self.checked_global_call(&mut call.head.primary, args);
                }
                if let CallSuffix::Method(name, args) = &mut call.call {
                    self.expressions(args);
                    let (name, args) = (name.clone(), std::mem::take(args));
                    let object =
                        std::mem::replace(&mut call.head, name_suffixed(self.name("(method)")));
                    call.call = CallSuffix::Function(self.method_arguments(object, name, args));
                } else if let CallSuffix::Function(args) = &mut call.call {
                    self.expressions(args);
                }
            }
            Statement::Assignment(s) => {
                for target in &mut s.targets {
                    if let AssignmentTarget::Name(name) = target {
                        self.check_assignment(name);
                    }
                    if let AssignmentTarget::Field(object, field) = target {
                        self.suffixed(object);
                        if let FieldSuffix::Indexed(key) = field {
                            self.expression(key);
                        }
                    }
                }
                self.expressions(&mut s.values);
                if s.targets.len() > 1 {
                    let s = std::mem::replace(
                        s,
                        AssignmentStatement { targets: Vec::new(), values: Vec::new() },
                    );
                    return vec![self.assignment_through_temporaries(s)];
                }
            }
        }
        vec![statement]
    }

    /// Stands in for piccolo commit 42e95eb ("Fix evaluation order of
    /// multiple-assignment", #114): 0.3.3 assigns one target at a time, so
    /// `x, y = y, x` gives `2 2`. As Lua does, evaluate the targets' tables
    /// and keys, then all values, then assign (right to left, like Lua 5.4).
    fn assignment_through_temporaries(&mut self, s: AssignmentStatement<Str>) -> Statement<Str> {
        let mut prelude_names = Vec::new();
        let mut prelude_values = Vec::new();
        let mut targets = Vec::new();
        for target in s.targets {
            targets.push(match target {
                AssignmentTarget::Name(name) => AssignmentTarget::Name(name),
                AssignmentTarget::Field(object, field) => {
                    let object_temp = self.temp();
                    prelude_names.push(object_temp.clone());
                    prelude_values.push(simple(SimpleExpression::Suffixed(object)));
                    let field = match field {
                        FieldSuffix::Named(name) => FieldSuffix::Named(name),
                        FieldSuffix::Indexed(key) => {
                            let key_temp = self.temp();
                            prelude_names.push(key_temp.clone());
                            prelude_values.push(key);
                            FieldSuffix::Indexed(name_expression(key_temp))
                        }
                    };
                    AssignmentTarget::Field(name_suffixed(object_temp), field)
                }
            });
        }
        let value_temps: Vec<Str> = targets.iter().map(|_| self.temp()).collect();
        let mut statements = Vec::new();
        if !prelude_names.is_empty() {
            statements.push(Statement::LocalStatement(LocalStatement {
                names: prelude_names,
                values: prelude_values,
            }));
        }
        statements.push(Statement::LocalStatement(LocalStatement {
            names: value_temps.clone(),
            values: s.values,
        }));
        for (target, temp) in targets.into_iter().zip(value_temps).rev() {
            statements.push(Statement::Assignment(AssignmentStatement {
                targets: vec![target],
                values: vec![name_expression(temp)],
            }));
        }
        let line = self.line;
        let statements = statements.into_iter().map(|s| LineAnnotated::new(line, s)).collect();
        Statement::Do(Block { statements, return_statement: None, closed_on: line })
    }

    /// Stands in for a fix piccolo 0.3.3 lacks: its generic `for` takes the
    /// iterator, state and control one expression each, so in
    /// `for k, v in next, f()` the second value of `f()` is dropped (Lua
    /// adjusts the list to three values, a last call giving the rest). A
    /// `local` statement adjusts it right:
    /// `do local (t1), (t2), (t3) = next, f() for k, v in (t1), (t2), (t3) do ... end end`.
    fn generic_for_through_temporaries(
        &mut self,
        names: Vec<Str>,
        arguments: Vec<Expression<Str>>,
        body: Block<Str>,
    ) -> Statement<Str> {
        let temps: Vec<Str> = (0..3).map(|_| self.temp()).collect();
        let line = self.line;
        let statements = vec![
            Statement::LocalStatement(LocalStatement { names: temps.clone(), values: arguments }),
            Statement::For(ForStatement::Generic {
                names,
                arguments: temps.into_iter().map(name_expression).collect(),
                body,
            }),
        ];
        let statements = statements.into_iter().map(|s| LineAnnotated::new(line, s)).collect();
        Statement::Do(Block { statements, return_statement: None, closed_on: line })
    }

    /// The same fix for `local a, b = b, a`: values into temporaries first.
    fn local_through_temporaries(&mut self, s: LocalStatement<Str>) -> Vec<Statement<Str>> {
        let temps: Vec<Str> = s.names.iter().map(|_| self.temp()).collect();
        vec![
            Statement::LocalStatement(LocalStatement { names: temps.clone(), values: s.values }),
            Statement::LocalStatement(LocalStatement {
                names: s.names,
                values: temps.into_iter().map(name_expression).collect(),
            }),
        ]
    }

    /// Stands in for piccolo commit 11a6302 ("Properly set unprovided args
    /// in normal function calls to Nil"): in 0.3.3 a parameter the caller
    /// leaves out holds a stale stack value. Parameters become locals
    /// filled from `...`, which pads with nil as Lua does; in a vararg
    /// function the body's `...` then skips them: `(select)(n + 1, ...)`.
    fn function_definition(&mut self, definition: &mut FunctionDefinition<Str>) {
        self.method_definition(definition, false);
    }

    fn method_definition(&mut self, definition: &mut FunctionDefinition<Str>, is_method: bool) {
        let parameters = std::mem::take(&mut definition.parameters);
        let shift = if definition.has_varargs { parameters.len() } else { 0 };
        self.varargs_shift.push(shift);
        let mut visible = parameters.clone();
        if is_method {
            visible.push(self.name("self"));
        }
        self.takes_varargs.push(definition.has_varargs || !parameters.is_empty());
        self.block_with(&visible, &mut definition.body);
        self.takes_varargs.pop();
        self.varargs_shift.pop();
        if !parameters.is_empty() {
            let line = definition
                .body
                .statements
                .first()
                .map_or(definition.body.closed_on, |s| s.line_number);
            let locals = Statement::LocalStatement(LocalStatement {
                names: parameters,
                values: vec![simple(SimpleExpression::VarArgs)],
            });
            definition.body.statements.insert(0, LineAnnotated::new(line, locals));
            definition.has_varargs = true;
        }
    }

    fn expressions(&mut self, expressions: &mut [Expression<Str>]) {
        for expression in expressions {
            self.expression(expression);
        }
    }

    fn expression(&mut self, expression: &mut Expression<Str>) {
        self.helper_operators(expression);
        self.concatenation(expression);
        match expression.head.as_mut() {
            HeadExpression::Simple(simple) => self.simple(simple),
            HeadExpression::UnaryOperator(_, operand) => self.expression(operand),
        }
        for (_, operand) in &mut expression.tail {
            self.expression(operand);
        }
    }

    /// Rewrites `a .. b .. c` into `(concat)(a, b, c)`: piccolo 0.3.3
    /// concatenates floats without Lua 5.4's formatting (`3.0 .. ""` gives
    /// `3`). The operator tail is a left fold whose operands already hold
    /// tighter operators, and `..` chains nest to the right, so the left
    /// operand is everything before the `..` and the right one is flattened.
    fn concatenation(&mut self, expression: &mut Expression<Str>) {
        let Some(at) = expression.tail.iter().position(|(op, _)| *op == BinaryOperator::Concat)
        else {
            return;
        };
        let Some((left, right, rest)) = split_at_operator(expression, at) else { return };
        let mut operands = vec![left];
        flatten_concatenation(right, &mut operands);
        let concat = self.name("(concat)");
        // Parenthesised so `return a .. b` is not a tail call: the helper
        // needs the caller's frame to locate its errors.
        let called = simple(SimpleExpression::Suffixed(call(concat, operands)));
        let grouped = SuffixedExpression {
            primary: PrimaryExpression::GroupedExpression(called),
            suffixes: Vec::new(),
        };
        *expression.head = HeadExpression::Simple(SimpleExpression::Suffixed(grouped));
        expression.tail = rest;
    }

    /// Rewrites the operators piccolo 0.3.3 computes wrongly into calls of
    /// host helpers:
    /// - `a // b` into `(idiv)(a, b)`: it rounds integer floor division
    ///   toward zero (`-7 // 2` gives -3, Lua -4), at run time and when
    ///   folding constants;
    /// - `a % b` into `(mod)(a, b)`: it computes `((a % b) + b) % b`, which
    ///   overflows for large integers (`5 % math.maxinteger` gave 3),
    ///   panics on `math.mininteger % -1`, and gives NaN for an infinite
    ///   divisor (`5 % math.huge`);
    /// - `a << b` into `(shift)(a, b, false)`, `a >> b` into `(shift)(a, b,
    ///   true)`: it shifts by the count modulo 64 (`1 << 64` gave 1) and
    ///   takes a negative count as a huge one, where Lua gives 0 past 63
    ///   bits and shifts the other way.
    ///
    /// Each operator's left operand is everything before it in the
    /// operator tail (a left fold: operators that bind tighter than the
    /// ones after them come first there, looser ones nest in operands).
    fn helper_operators(&mut self, expression: &mut Expression<Str>) {
        while let Some(at) = expression.tail.iter().position(|(op, _)| helper_of(*op).is_some()) {
            let Some((helper, direction)) = helper_of(expression.tail[at].0) else { return };
            let Some((left, right, rest)) = split_at_operator(expression, at) else { return };
            let mut arguments = vec![left, right];
            if let Some(right_shift) = direction {
                arguments.push(simple(if right_shift {
                    SimpleExpression::True
                } else {
                    SimpleExpression::False
                }));
            }
            let helper = self.name(helper);
            *expression.head =
                HeadExpression::Simple(SimpleExpression::Suffixed(call(helper, arguments)));
            expression.tail = rest;
        }
    }

    /// Rewrites the limit of `for v = a, b, c` into `(forlimit)(a, b, c)`
    /// where `b` may be a float: piccolo 0.3.3 counts in floats when any of
    /// the three is one (`for i = 1, #t / 2` gave 1.0, 2.0), where Lua
    /// counts in integers when `a` and `c` are, the limit rounded to one;
    /// and a zero step, which Lua refuses, looped for ever. Only where `a`
    /// and `c` can be read twice with nothing run between: integer
    /// literals (`-1` too) or locals; and not where the limit is surely an
    /// integer (a literal, or a length `#t`) and the step a literal other
    /// than 0, so most loops stay as they are.
    fn integer_loop_limit(
        &mut self,
        initial: &Expression<Str>,
        limit: &mut Expression<Str>,
        step: Option<&Expression<Str>>,
    ) {
        let nonzero_step = step.is_none_or(|step| integer_literal(step).is_some_and(|n| n != 0));
        if nonzero_step && (integer_literal(limit).is_some() || is_length(limit)) {
            return;
        }
        let step = step.cloned().unwrap_or_else(|| simple(SimpleExpression::Integer(1)));
        if !self.reread(initial) || !self.reread(&step) {
            return;
        }
        let forlimit = self.name("(forlimit)");
        let placeholder = simple(SimpleExpression::Nil);
        let given = std::mem::replace(limit, placeholder);
        let arguments = vec![initial.clone(), given, step];
        *limit = simple(SimpleExpression::Suffixed(call(forlimit, arguments)));
    }

    /// Whether reading `expression` again gives the same value with no
    /// effect: an integer literal or a local (not a global, whose read
    /// may run `__index` on `_ENV`).
    fn reread(&self, expression: &Expression<Str>) -> bool {
        if integer_literal(expression).is_some() {
            return true;
        }
        match (expression.head.as_ref(), expression.tail.is_empty()) {
            (HeadExpression::Simple(SimpleExpression::Suffixed(s)), true) => {
                s.suffixes.is_empty()
                    && matches!(&s.primary, PrimaryExpression::Name(name) if self.local(name).is_some())
            }
            _ => false,
        }
    }

    /// Whether `expression` is a bare call or `...`, which may give several
    /// values (a `(concat)` call never does).
    fn is_multiple_value(&mut self, expression: &Expression<Str>) -> bool {
        if !expression.tail.is_empty() {
            return false;
        }
        match expression.head.as_ref() {
            HeadExpression::Simple(SimpleExpression::VarArgs) => true,
            HeadExpression::Simple(SimpleExpression::Suffixed(s)) => {
                let concat = self.name("(concat)");
                matches!(s.suffixes.last(), Some(SuffixPart::Call(_)))
                    && !matches!(&s.primary, PrimaryExpression::Name(name) if *name == concat)
            }
            _ => false,
        }
    }

    /// Whether `expression` is exactly a `(concat)`, `(idiv)`, `(index)`,
    /// `(shift)` or `(mod)` call made by the rewrites (one value each, so
    /// they can be hoisted out of a `return`).
    fn is_helper_call(&mut self, expression: &Expression<Str>) -> bool {
        let helpers = [
            self.name("(concat)"),
            self.name("(idiv)"),
            self.name("(index)"),
            self.name("(shift)"),
            self.name("(mod)"),
        ];
        if !expression.tail.is_empty() {
            return false;
        }
        let HeadExpression::Simple(SimpleExpression::Suffixed(outer)) = expression.head.as_ref()
        else {
            return false;
        };
        // `(concat)` calls come parenthesised, the others bare.
        let called = match &outer.primary {
            PrimaryExpression::GroupedExpression(inner) if outer.suffixes.is_empty() => {
                match inner.head.as_ref() {
                    HeadExpression::Simple(SimpleExpression::Suffixed(called)) => called,
                    _ => return false,
                }
            }
            _ => outer,
        };
        matches!(called.suffixes.as_slice(), [SuffixPart::Call(_)])
            && matches!(&called.primary, PrimaryExpression::Name(name) if helpers.contains(name))
    }

    fn simple(&mut self, expression: &mut SimpleExpression<Str>) {
        match expression {
            SimpleExpression::VarArgs => {
                let shift = self.varargs_shift.last().copied().unwrap_or(0);
                if shift > 0 {
                    let select = self.name("(select)");
                    *expression = SimpleExpression::Suffixed(call(
                        select,
                        vec![
                            simple(SimpleExpression::Integer(shift as i64 + 1)),
                            simple(SimpleExpression::VarArgs),
                        ],
                    ));
                }
            }
            SimpleExpression::TableConstructor(table) => {
                for field in &mut table.fields {
                    match field {
                        ConstructorField::Array(value) => self.expression(value),
                        ConstructorField::Record(key, value) => {
                            if let RecordKey::Indexed(key) = key {
                                self.expression(key);
                            }
                            self.expression(value);
                        }
                    }
                }
            }
            SimpleExpression::Function(definition) => self.function_definition(definition),
            SimpleExpression::Suffixed(suffixed) => self.suffixed(suffixed),
            _ => {}
        }
    }

    /// Rewrites every `object:name(args)` into `(method)(object, "name", args)`:
    /// piccolo 0.3.3 gives strings no metatable, so `s:upper()` fails there.
    /// The helper finds `string[name]` for strings and indexes anything else
    /// as Lua would.
    fn suffixed(&mut self, expression: &mut SuffixedExpression<Str>) {
        if let PrimaryExpression::GroupedExpression(inner) = &mut expression.primary {
            self.expression(inner);
            if expression.suffixes.is_empty() && self.is_multiple_value(inner) {
                // piccolo 0.3.3 keeps every value of `(f())` and `(...)`;
                // Lua keeps the first only.
                let first = self.name("(first)");
                let inner = std::mem::replace(inner, simple(SimpleExpression::Nil));
                *expression = call(first, vec![inner]);
                return;
            }
        }
        if let Some(SuffixPart::Call(CallSuffix::Function(args))) = expression.suffixes.first_mut()
        {
            self.checked_global_call(&mut expression.primary, args);
        }
        let mut index = 0;
        // The field name the suffix before `index` read, naming the object
        // in `(index)` errors.
        let mut field: Option<Str> = None;
        while index < expression.suffixes.len() {
            let mut read = None;
            match &mut expression.suffixes[index] {
                SuffixPart::Field(FieldSuffix::Indexed(key)) => {
                    self.expression(key);
                    read = string_literal(key);
                }
                SuffixPart::Field(FieldSuffix::Named(name)) => read = Some(name.clone()),
                SuffixPart::Call(CallSuffix::Function(args)) => self.expressions(args),
                SuffixPart::Call(CallSuffix::Method(_, args)) => {
                    self.expressions(args);
                    let rest = expression.suffixes.split_off(index + 1);
                    let Some(SuffixPart::Call(CallSuffix::Method(name, args))) =
                        expression.suffixes.pop()
                    else {
                        unreachable!("the suffix just matched")
                    };
                    let method = self.name("(method)");
                    let object = std::mem::replace(expression, name_suffixed(method));
                    let arguments = self.method_arguments(object, name, args);
                    expression.suffixes.push(SuffixPart::Call(CallSuffix::Function(arguments)));
                    expression.suffixes.extend(rest);
                    index = 0;
                }
            }
            if read.as_ref().is_some_and(|name| self.is_string_field(name)) {
                let library = matches!(&expression.primary, PrimaryExpression::Name(table)
                    if LIBRARIES.contains(&&*String::from_utf8_lossy(table))
                        && self.local(table).is_none());
                if !(index == 0 && library) {
                    self.string_field(expression, index, field.take());
                    index = 0;
                }
            }
            field = read;
            index += 1;
        }
    }

    /// In the console's chunks, rewrites the call `name(args)` of a global
    /// `name` (given as the call's `primary` and `args`) into
    /// `(global)(name, "name", args)`: the helper makes the call, or fails
    /// naming the global, its line and the function nearest its name.
    /// piccolo 0.3.3 says only "expected function, found nil" (a typo at
    /// the console, `shwo(12)`), with neither. (Only there: a call through
    /// a helper costs, and the plan's own code calls globals in loops.)
    fn checked_global_call(
        &mut self,
        primary: &mut PrimaryExpression<Str>,
        args: &mut Vec<Expression<Str>>,
    ) {
        let PrimaryExpression::Name(name) = primary else { return };
        // (The helpers' names start with a parenthesis, and are locals.)
        if !self.checked_calls || name.starts_with(b"(") || self.local(name).is_some() {
            return;
        }
        let name = name.clone();
        *primary = PrimaryExpression::Name(self.name("(global)"));
        let mut arguments =
            vec![name_expression(name.clone()), simple(SimpleExpression::String(name))];
        arguments.append(args);
        *args = arguments;
    }

    fn is_string_field(&self, name: &Str) -> bool {
        STRING_FIELDS.iter().any(|field| field.as_bytes() == name.as_ref())
    }

    /// Rewrites the read of a string library name at `suffixes[index]`
    /// (`s.len`, `("x").rep`) into `(index)(object, "len", description)`:
    /// piccolo 0.3.3 cannot index a string value. Only these names pay for
    /// the call; other field reads stay VM instructions (a call per read
    /// would make table-heavy code 2-3 times slower). `field` is the name
    /// the object itself was read from, if it was.
    fn string_field(
        &mut self,
        expression: &mut SuffixedExpression<Str>,
        index: usize,
        field: Option<Str>,
    ) {
        let description = match (&expression.primary, index) {
            (PrimaryExpression::Name(name), 0) => {
                let depth = self.varargs_shift.len();
                let kind = match self.local(name) {
                    Some(local) if local.depth == depth => "local",
                    Some(_) => "upvalue",
                    None => "global",
                };
                Some(format!("{kind} '{}'", String::from_utf8_lossy(name)))
            }
            (_, 0) => None,
            _ => field.map(|name| format!("field '{}'", String::from_utf8_lossy(&name))),
        };
        let rest = expression.suffixes.split_off(index + 1);
        let key = match expression.suffixes.pop() {
            Some(SuffixPart::Field(FieldSuffix::Named(name))) => name,
            Some(SuffixPart::Field(FieldSuffix::Indexed(key))) => match string_literal(&key) {
                Some(name) => name,
                None => unreachable!("only string keys are rewritten"),
            },
            _ => unreachable!("only field reads are rewritten"),
        };
        let helper = self.name("(index)");
        let object = std::mem::replace(expression, name_suffixed(helper));
        let description = match description {
            Some(text) => SimpleExpression::String(self.name(&text)),
            None => SimpleExpression::Nil,
        };
        let arguments = vec![
            simple(SimpleExpression::Suffixed(object)),
            simple(SimpleExpression::String(key)),
            simple(description),
        ];
        expression.suffixes.push(SuffixPart::Call(CallSuffix::Function(arguments)));
        expression.suffixes.extend(rest);
    }

    fn method_arguments(
        &mut self,
        object: SuffixedExpression<Str>,
        name: Str,
        args: Vec<Expression<Str>>,
    ) -> Vec<Expression<Str>> {
        let mut arguments = vec![
            simple(SimpleExpression::Suffixed(object)),
            simple(SimpleExpression::String(name)),
        ];
        arguments.extend(args);
        arguments
    }
}

/// The operators and right operands that follow an expression's head.
type OperatorTail = Vec<(BinaryOperator, Expression<Str>)>;

/// Splits an operator tail at the operator at index `at`: its left operand
/// (the head and every operator before it, a left fold), its right
/// operand, and the operators after it. `expression` is left empty.
fn split_at_operator(
    expression: &mut Expression<Str>,
    at: usize,
) -> Option<(Expression<Str>, Expression<Str>, OperatorTail)> {
    let rest = expression.tail.split_off(at + 1);
    let (_, right) = expression.tail.pop()?;
    let nil = Box::new(HeadExpression::Simple(SimpleExpression::Nil));
    let left = Expression {
        head: std::mem::replace(&mut expression.head, nil),
        tail: std::mem::take(&mut expression.tail),
    };
    Some((left, right, rest))
}

/// Appends the operands of a right-nested `..` chain.
fn flatten_concatenation(expression: Expression<Str>, operands: &mut Vec<Expression<Str>>) {
    let mut expression = expression;
    let last_is_concat =
        expression.tail.last().is_some_and(|(op, _)| *op == BinaryOperator::Concat);
    let only_one =
        expression.tail.iter().filter(|(op, _)| *op == BinaryOperator::Concat).count() == 1;
    if last_is_concat && only_one {
        let Some((_, right)) = expression.tail.pop() else { return };
        operands.push(expression);
        flatten_concatenation(right, operands);
    } else {
        operands.push(expression);
    }
}

/// Whether `expression` mentions any of `names` (conservatively, anywhere).
fn mentions(expression: &Expression<Str>, names: &[Str]) -> bool {
    // The tree has no visitor; its Debug form lists every name.
    let text = format!("{expression:?}");
    names.iter().any(|name| {
        let quoted = format!("{:?}", name.as_ref());
        text.contains(&quoted)
    })
}

/// The text of a string literal expression.
fn string_literal(expression: &Expression<Str>) -> Option<Str> {
    match expression.head.as_ref() {
        HeadExpression::Simple(SimpleExpression::String(text)) if expression.tail.is_empty() => {
            Some(text.clone())
        }
        _ => None,
    }
}

/// The helper [`Rewriter::helper_operators`] calls for `op`, and for a
/// shift whether it shifts right.
fn helper_of(op: BinaryOperator) -> Option<(&'static str, Option<bool>)> {
    match op {
        BinaryOperator::IDiv => Some(("(idiv)", None)),
        BinaryOperator::Mod => Some(("(mod)", None)),
        BinaryOperator::ShiftLeft => Some(("(shift)", Some(false))),
        BinaryOperator::ShiftRight => Some(("(shift)", Some(true))),
        _ => None,
    }
}

/// The value of an integer literal, negated or not (`3`, `-1`).
fn integer_literal(expression: &Expression<Str>) -> Option<i64> {
    if !expression.tail.is_empty() {
        return None;
    }
    match expression.head.as_ref() {
        HeadExpression::Simple(SimpleExpression::Integer(n)) => Some(*n),
        HeadExpression::UnaryOperator(UnaryOperator::Minus, operand) => {
            integer_literal(operand).map(i64::wrapping_neg)
        }
        _ => None,
    }
}

/// Whether `expression` is a length, `#t`, alone.
fn is_length(expression: &Expression<Str>) -> bool {
    expression.tail.is_empty()
        && matches!(expression.head.as_ref(), HeadExpression::UnaryOperator(UnaryOperator::Len, _))
}

fn simple(expression: SimpleExpression<Str>) -> Expression<Str> {
    Expression { head: Box::new(HeadExpression::Simple(expression)), tail: Vec::new() }
}

fn name_suffixed(name: Str) -> SuffixedExpression<Str> {
    SuffixedExpression { primary: PrimaryExpression::Name(name), suffixes: Vec::new() }
}

fn name_expression(name: Str) -> Expression<Str> {
    simple(SimpleExpression::Suffixed(name_suffixed(name)))
}

fn call(function: Str, args: Vec<Expression<Str>>) -> SuffixedExpression<Str> {
    SuffixedExpression {
        primary: PrimaryExpression::Name(function),
        suffixes: vec![SuffixPart::Call(CallSuffix::Function(args))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message `source` is refused with, `None` if it compiles, on a
    /// thread with `stack` bytes of stack.
    fn refusal_on(stack: usize, source: &str) -> Option<String> {
        on_stack(stack, || compile("chunk", source.as_bytes()).err().map(|e| e.to_string()))
            .unwrap()
    }

    /// The message `source` is refused with, `None` if it compiles, on a
    /// thread with the Lua thread's stack (a test thread has 2 MiB).
    fn refusal(source: &str) -> Option<String> {
        refusal_on(LUA_STACK_BYTES, source)
    }

    fn compiles(source: &str) {
        assert_eq!(refusal(source), None, "{source:.200}");
    }

    fn refused(source: &str, expected: &str) {
        assert_eq!(refusal(source).as_deref(), Some(expected), "{source:.200}");
    }

    /// Refused by piccolo's compiler, out of registers, not by the limits.
    fn out_of_registers(source: &str) {
        let refusal = refusal(source).unwrap_or_default();
        // A debug build panics on the overflow first (caught).
        let said = ["insufficient available registers", "attempt to add with overflow"];
        assert!(said.iter().any(|s| refusal.contains(s)), "{refusal}: {source:.200}");
    }

    /// `n` `<close>` locals, numbered from `first`.
    fn closes(first: usize, n: usize) -> String {
        let locals: Vec<String> =
            (first..first + n).map(|i| format!("local c{i} <close> = nil")).collect();
        locals.join(" ")
    }

    #[test]
    fn a_suffix_chain_stops_at_the_limit() {
        let fields = |n| format!("x = {{}}\ny = x{}", ".a".repeat(n));
        compiles(&fields(MAX_SUFFIXES));
        let too_long = "chunk:2: chunk too complex (suffix chain of more than 1000)";
        refused(&fields(MAX_SUFFIXES + 1), too_long);
        refused(&fields(20_000), too_long);
        let indexes = |n| format!("x = {{}}\ny = x{}", "[1]".repeat(n));
        compiles(&indexes(MAX_SUFFIXES));
        refused(&indexes(MAX_SUFFIXES + 1), too_long);
        // An assigned field is the last suffix.
        let target = |n| format!("x = {{}}\nx{} = 1", ".a".repeat(n));
        compiles(&target(MAX_SUFFIXES));
        refused(&target(MAX_SUFFIXES + 1), too_long);
    }

    #[test]
    fn a_call_chain_stops_at_the_limit() {
        let calls = |n| format!("f = function() return f end\nx = f{}", "()".repeat(n));
        compiles(&calls(MAX_SUFFIXES));
        let too_long = "chunk:2: chunk too complex (suffix chain of more than 1000)";
        refused(&calls(MAX_SUFFIXES + 1), too_long);
        refused(&calls(20_000), too_long);
        // As a statement, the call itself counts.
        let statement = |n| format!("f = function() return f end\nf{}", "()".repeat(n));
        compiles(&statement(MAX_SUFFIXES));
        refused(&statement(MAX_SUFFIXES + 1), too_long);
        // Method calls and string fields become nested calls, which need a
        // register each: past about 250 piccolo runs out (Lua 5.4 does not).
        let methods = |n| format!("local s = 'a'\nx = s{}", ":upper()".repeat(n));
        compiles(&methods(250));
        out_of_registers(&methods(MAX_SUFFIXES));
        refused(&methods(MAX_SUFFIXES + 1), too_long);
        let lengths = |n| format!("local s = 'a'\nx = s{}", ".len".repeat(n));
        compiles(&lengths(250));
        out_of_registers(&lengths(MAX_SUFFIXES));
        refused(&lengths(MAX_SUFFIXES + 1), too_long);
    }

    /// What `check_nesting` says of `source`.
    fn scanned(source: &str) -> Result<(), String> {
        check_nesting(source.as_bytes())
            .map_err(|(line, message)| format!("{}: {message}", line.0 + 1))
    }

    /// What `Levels` says of `source`, parsed without `check_nesting`.
    fn counted(source: &str) -> Result<(), String> {
        let (source, attributes) = attributes::strip(source.as_bytes()).unwrap();
        let parsed = compiler::parse_chunk(&source[..], &mut BasicInterner::default()).unwrap();
        let mut levels = Levels { attributes: &attributes, line: LineNumber(0) };
        levels
            .block(&parsed.block, CHUNK_LEVELS)
            .map_err(|(line, message)| format!("{}: {message}", line.0 + 1))
    }

    #[test]
    fn chains_are_counted_before_parsing() {
        // Every suffix counts once, as `Levels` counts it on the tree.
        let suffixes = [".a", "[k]", "(1, x.y)", ":m(a.b)", "'s'", "{}", ":m'a'", ":m{a.b}"];
        let too_long = format!("chunk too complex (suffix chain of more than {MAX_SUFFIXES})");
        // `@` stands for the chain; each shape with the suffixes it adds.
        let shapes = [
            ("x = f@", 0),
            ("f@()", 1),
            ("f@.a = 1", 1),
            ("x = (f)@()", 1),
            ("x = ((f))@ + g@[h.i]", 1),
            ("x = {f@, [g] = f@}", 0),
            ("x = f@(g@)", 1),
            // Declared names and function names start no chain.
            ("local y, z\n(f)@()", 1),
            ("goto l ::l:: (f)@() function a.b:c(d) return (d)@() end", 1),
        ];
        for (shape, extra) in shapes {
            for suffix in suffixes {
                let chained = |n: usize| shape.replace('@', &suffix.repeat(n));
                let at_limit = chained(MAX_SUFFIXES - extra);
                assert_eq!(scanned(&at_limit), Ok(()), "{at_limit:.100}");
                assert_eq!(counted(&at_limit), Ok(()), "{at_limit:.100}");
                let over = chained(MAX_SUFFIXES + 1 - extra);
                let line = if over.contains('\n') { 2 } else { 1 };
                let too_long = Err(format!("{line}: {too_long}"));
                assert_eq!(scanned(&over), too_long, "{over:.100}");
                assert_eq!(counted(&over), too_long, "{over:.100}");
            }
        }
        // The line is where the chain starts; a chain of millions is read
        // no further than its limit.
        let long = format!("x = {{}}\n\ny = x\n{}", ".a\n".repeat(8 << 20));
        assert_eq!(scanned(&long), Err(format!("3: {too_long}")));
    }

    #[test]
    fn an_operator_chain_stops_at_the_limit() {
        let too_long = "chunk:1: chunk too complex (more than 1000 operators in one expression)";
        let sums = |n| format!("local y = 1 x = y{}", " + y".repeat(n));
        compiles(&sums(150));
        compiles(&sums(MAX_OPERATORS));
        refused(&sums(MAX_OPERATORS + 1), too_long);
        let either = |n| format!("local y = 1 x = y{}", " or y".repeat(n));
        compiles(&either(MAX_OPERATORS));
        refused(&either(MAX_OPERATORS + 1), too_long);
        // `//` becomes nested calls, out of registers past about 250.
        let divisions = |n| format!("x = 100{}", " // 1".repeat(n));
        compiles(&divisions(250));
        out_of_registers(&divisions(MAX_OPERATORS));
        refused(&divisions(MAX_OPERATORS + 1), too_long);
        refused(&divisions(20_000), too_long);
        // A chain of `..` is one call: piccolo's parser limits it first.
        compiles(&format!("local y = 'a' x = y{}", " .. y".repeat(190)));
    }

    #[test]
    fn close_variables_stop_at_the_limit() {
        let block = |n| format!("do {} end", closes(1, n));
        compiles(&block(MAX_CLOSES));
        let too_many = "chunk:1: chunk too complex (more than 200 <close> variables in one block)";
        refused(&block(MAX_CLOSES + 1), too_many);
        refused(&block(2_000), too_many);
        // Each block has its own count.
        compiles(&format!("{}\n{}", block(MAX_CLOSES), block(MAX_CLOSES)));
    }

    #[test]
    fn nesting_stops_at_the_limit() {
        let too_deep = "chunk too complex (more than 190 nested functions, blocks or brackets)";
        let expression = |open: &str, close: &str, n| {
            format!("local y = {{}}\nx = {}1{}", open.repeat(n), close.repeat(n))
        };
        for (open, close) in [
            ("(", ")"),
            ("{a = ", "}"),
            ("y[", "]"),
            ("print(", ")"),
            ("function() return ", " end"),
            // A table constructor takes two registers: piccolo has room for
            // 127 nested ones, less one for `y` here (Lua 5.4, 255).
            ("{", "}"),
        ] {
            if open == "{" {
                compiles(&expression(open, close, 126));
                out_of_registers(&expression(open, close, MAX_NESTING));
            } else {
                compiles(&expression(open, close, MAX_NESTING));
            }
            let refusal = refusal(&expression(open, close, MAX_NESTING + 1));
            assert_eq!(refusal, Some(format!("chunk:2: {too_deep}")), "{open}");
        }
        let statement = |open: &str, close: &str, n| {
            format!("local x\n{}x = 1{}", open.repeat(n), close.repeat(n))
        };
        for (open, close) in [
            ("do ", " end"),
            ("while x do ", " end"),
            ("if x then ", " end"),
            ("repeat ", " until x"),
            ("local function f() ", " end"),
            // A loop takes four registers: piccolo has room for 63 nested
            // ones (Lua 5.4, as many).
            ("for i = 1, 0 do ", " end"),
            ("for k in pairs(x) do ", " end"),
        ] {
            if open.starts_with("for") {
                compiles(&statement(open, close, 63));
                out_of_registers(&statement(open, close, 64));
            } else {
                compiles(&statement(open, close, MAX_NESTING));
            }
            let refusal = refusal(&statement(open, close, MAX_NESTING + 1));
            assert_eq!(refusal, Some(format!("chunk:2: {too_deep}")), "{open}");
        }
        // The condition after `until` is parsed inside the loop.
        let repeats =
            |n| format!("x = {}1{}", "function() repeat until ".repeat(n), " end".repeat(n));
        compiles(&repeats(MAX_NESTING / 2));
        refused(&repeats(MAX_NESTING / 2 + 1), &format!("chunk:1: {too_deep}"));
        // A sequence is no nesting; the line is where the limit is passed.
        compiles(&"repeat x = 1 until x y = (x) repeat until x == 1 do end (f)()\n".repeat(100));
        refused(&format!("x = 1\n\n{}", "(".repeat(10_000)), &format!("chunk:3: {too_deep}"));
    }

    /// 6 `do` blocks of 200 `<close>` locals, then a chain of `n`:
    /// 3 + 6 * (1 + 4 * 200) + 2 + `n` levels, 5,000 for `n` = 189.
    fn closed(n: usize) -> String {
        let blocks: String = (0..6).map(|i| format!("do {} ", closes(i * 1000, 200))).collect();
        format!("x = {{}}\n{blocks}y = x{}{}", ".a".repeat(n), " end".repeat(6))
    }

    /// 190 functions, each with 5 `<close>` locals, around a chain of `n`:
    /// 5 + 190 * (3 + 4 * 5) + `n` levels, 5,000 for `n` = 625.
    fn functions(n: usize) -> String {
        let opened: String =
            (0..190).map(|i| format!("function() {} return ", closes(i * 10, 5))).collect();
        format!("x = {{}}\nz = {opened}x{}{}", ".a".repeat(n), " end".repeat(190))
    }

    #[test]
    fn combined_nesting_stops_at_the_limit() {
        let too_deep = "chunk:2: chunk too complex (more than 5000 levels of nesting)";
        compiles(&closed(189));
        refused(&closed(190), too_deep);
        compiles(&functions(625));
        refused(&functions(626), too_deep);
    }

    /// The worst chunks the limits let through, for the compiler and for
    /// the parser, and whether each compiles.
    fn worst_chunks() -> Vec<(String, bool)> {
        const MENTIONED: usize = 186;
        // The compiler: as many levels as allowed, of the dearest kinds.
        let blocks: String = (0..6).map(|i| format!("do {} ", closes(i * 1000, 200))).collect();
        let mentions = |n| {
            let chain = ".a".repeat(n);
            format!("local a, b = 1, function() {blocks}y = a{chain}{} end", " end".repeat(6))
        };
        let compiled = [
            closed(189),
            functions(625),
            // `local a, b = ...` walks its values once more (`mentions`).
            mentions(MENTIONED),
            format!("local s = 'a' local a, b = 1, s{}", ":upper()".repeat(250)),
            format!("local y = {{}} x = y{} + y{}", " + y".repeat(999), ".a".repeat(1_000)),
        ];
        // The parser: as deep as it goes (it allows 200 levels in all).
        let nested = |head: &str, open: &str, inner: &str, close: &str| {
            format!("{head}{}{inner}{}", open.repeat(MAX_NESTING), close.repeat(MAX_NESTING))
        };
        let parsed = [
            nested("x = ", "function() return ", "1", " end"),
            nested("x = ", "print(", "1", ")"),
            nested("x = ", "{a = ", "1", "}"),
            nested("", "if x then ", "y = 1", " end"),
        ];
        let mut chunks: Vec<(String, bool)> =
            compiled.into_iter().chain(parsed).map(|source| (source, true)).collect();
        // Past the parser's own limit, which refuses it.
        chunks.push((nested("", "do ", &format!("x = {}1", "- ".repeat(60)), " end"), false));
        chunks
    }

    /// Every chunk the limits let through compiles within half the Lua
    /// thread's stack, in a debug build too. Measured, these take up to
    /// 27.8 MB in a debug build and 7.3 MB in release, against 64 MiB.
    #[test]
    fn the_worst_chunks_allowed_fit_half_the_lua_thread_stack() {
        for (source, accepted) in worst_chunks() {
            let refusal = refusal_on(LUA_STACK_BYTES / 2, &source);
            assert_eq!(refusal.is_none(), accepted, "{refusal:?}: {source:.100}");
        }
    }

    #[test]
    fn locals_keep_their_attributes() {
        compiles("local a <const>, b = 1, 2\nlocal c <close> = nil\nb = 3");
        refused("local x <const> = 1\nx = 2", "chunk:2: attempt to assign to const variable 'x'");
    }
}
