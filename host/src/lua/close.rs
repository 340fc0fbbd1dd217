//! `local x <close> = v`: piccolo 0.3.3 has no to-be-closed variables, so
//! the front end turns the rest of the block into a function run by the
//! host's `(close)` helper, which calls `x`'s `__close` on every way out,
//! errors included:
//!
//! ```lua
//! local x = v
//! local (r) = (pack)((close)(x, "x", function(...) <rest> end, ...))
//! if (r)[1] then return (unpack)((r), 2, (r).n) end   -- rest returned
//! if (r)[1] == false then break end                   -- rest broke out
//! ```
//!
//! Inside `<rest>`, `return e` becomes `return true, e` and a `break` that
//! leaves the block becomes `return false`; falling off the end returns
//! nothing. A `goto` out of the rest is not supported (the label is not
//! found).

use piccolo::compiler::LineNumber;
use piccolo::compiler::parser::*;

use super::frontend::Str;

/// Levels of nesting the rewrite adds to the rest of the block (the local
/// statement, two calls and the function; `frontend::MAX_LEVELS` counts
/// them): measured, a `<close>` local takes about four times the compiler
/// stack of a suffix in a debug build (22.4 KB against 5.3), seven in
/// release (6.0 against 0.8), where every level is cheaper.
pub const LEVELS: usize = 4;

/// Names the rewrite uses; the runtime binds them (see `frontend::HELPERS`).
pub struct Names {
    pub close: Str,
    pub pack: Str,
    pub unpack: Str,
    pub result: Str,
    pub n: Str,
}

/// Splits `block` at statement `at` (the `<close>` local declaring
/// `variable`) and wraps everything after it.
pub fn wrap_rest(
    block: &mut Block<Str>,
    at: usize,
    variable: Str,
    varargs: bool,
    line: LineNumber,
    names: &Names,
) {
    let rest_statements = block.statements.split_off(at + 1);
    let mut rest = Block {
        statements: rest_statements,
        return_statement: block.return_statement.take(),
        closed_on: block.closed_on,
    };
    let mut marks = Marks::default();
    mark_exits(&mut rest, 0, &mut marks);
    // Falling off the end returns nothing: the first value is nil.
    let function = FunctionDefinition { parameters: Vec::new(), has_varargs: true, body: rest };

    let mut args = vec![
        name_expression(variable.clone()),
        simple(SimpleExpression::String(variable)),
        simple(SimpleExpression::Function(function)),
    ];
    if varargs {
        args.push(simple(SimpleExpression::VarArgs));
    }
    let closed = call_expression(names.close.clone(), args);
    let packed = call_expression(names.pack.clone(), vec![closed]);
    let at_line = |s| LineAnnotated::new(line, s);
    block.statements.push(at_line(Statement::LocalStatement(LocalStatement {
        names: vec![names.result.clone()],
        values: vec![packed],
    })));
    let first = index(names.result.clone(), simple(SimpleExpression::Integer(1)));
    if marks.returns {
        let unpacked = call_expression(
            names.unpack.clone(),
            vec![
                name_expression(names.result.clone()),
                simple(SimpleExpression::Integer(2)),
                index(names.result.clone(), simple(SimpleExpression::String(names.n.clone()))),
            ],
        );
        let returning = Block {
            statements: Vec::new(),
            return_statement: Some(LineAnnotated::new(
                line,
                ReturnStatement { returns: vec![unpacked] },
            )),
            closed_on: line,
        };
        block.statements.push(at_line(Statement::If(IfStatement {
            if_part: (first.clone(), returning),
            else_if_parts: Vec::new(),
            else_part: None,
        })));
    }
    if marks.breaks {
        let is_false = Expression {
            head: Box::new(HeadExpression::Simple(suffixed_index(names.result.clone(), 1))),
            tail: vec![(BinaryOperator::Equal, simple(SimpleExpression::False))],
        };
        let breaking = Block {
            statements: vec![at_line(Statement::Break)],
            return_statement: None,
            closed_on: line,
        };
        block.statements.push(at_line(Statement::If(IfStatement {
            if_part: (is_false, breaking),
            else_if_parts: Vec::new(),
            else_part: None,
        })));
    }
}

#[derive(Default)]
struct Marks {
    returns: bool,
    breaks: bool,
}

/// Marks the exits of the wrapped code: returns get a leading `true`,
/// breaks out of the wrapped code (loop depth 0) become `return false`.
fn mark_exits(block: &mut Block<Str>, loop_depth: usize, marks: &mut Marks) {
    for statement in &mut block.statements {
        let line = statement.line_number;
        match &mut statement.inner {
            Statement::Break if loop_depth == 0 => {
                marks.breaks = true;
                statement.inner = Statement::Do(Block {
                    statements: Vec::new(),
                    return_statement: Some(LineAnnotated::new(
                        line,
                        ReturnStatement { returns: vec![simple(SimpleExpression::False)] },
                    )),
                    closed_on: line,
                });
            }
            Statement::If(s) => {
                mark_exits(&mut s.if_part.1, loop_depth, marks);
                for (_, b) in &mut s.else_if_parts {
                    mark_exits(b, loop_depth, marks);
                }
                if let Some(b) = &mut s.else_part {
                    mark_exits(b, loop_depth, marks);
                }
            }
            Statement::Do(b) => mark_exits(b, loop_depth, marks),
            Statement::While(s) => mark_exits(&mut s.block, loop_depth + 1, marks),
            Statement::Repeat(s) => mark_exits(&mut s.body, loop_depth + 1, marks),
            Statement::For(
                ForStatement::Numeric { body, .. } | ForStatement::Generic { body, .. },
            ) => mark_exits(body, loop_depth + 1, marks),
            _ => {}
        }
    }
    if let Some(ret) = &mut block.return_statement {
        marks.returns = true;
        ret.inner.returns.insert(0, simple(SimpleExpression::True));
    }
}

fn simple(expression: SimpleExpression<Str>) -> Expression<Str> {
    Expression { head: Box::new(HeadExpression::Simple(expression)), tail: Vec::new() }
}

fn name_expression(name: Str) -> Expression<Str> {
    simple(SimpleExpression::Suffixed(SuffixedExpression {
        primary: PrimaryExpression::Name(name),
        suffixes: Vec::new(),
    }))
}

fn call_expression(function: Str, args: Vec<Expression<Str>>) -> Expression<Str> {
    simple(SimpleExpression::Suffixed(SuffixedExpression {
        primary: PrimaryExpression::Name(function),
        suffixes: vec![SuffixPart::Call(CallSuffix::Function(args))],
    }))
}

fn suffixed_index(table: Str, key: i64) -> SimpleExpression<Str> {
    SimpleExpression::Suffixed(SuffixedExpression {
        primary: PrimaryExpression::Name(table),
        suffixes: vec![SuffixPart::Field(FieldSuffix::Indexed(simple(SimpleExpression::Integer(
            key,
        ))))],
    })
}

fn index(table: Str, key: Expression<Str>) -> Expression<Str> {
    simple(SimpleExpression::Suffixed(SuffixedExpression {
        primary: PrimaryExpression::Name(table),
        suffixes: vec![SuffixPart::Field(FieldSuffix::Indexed(key))],
    }))
}
