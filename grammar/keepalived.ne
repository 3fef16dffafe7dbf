# The block structure of keepalived.conf: statements, some opening a { ... } block. The tokens
# come from src/config/lexer.ts (one per statement line and closing brace, see StatementToken),
# already balanced, so this grammar has exactly one parse of any token stream it is given.
# Rules are left-recursive: nearley has no Leo optimisation, so right recursion is quadratic.
@preprocessor typescript

@{%
import type { Statement } from './ast.js';
import { statementLexer } from './lexer.js';

/** Statements newest first: a left-recursive rule adds one in O(1) without mutating shared data. */
type StatementList = { prev: StatementList; statement: Statement } | null;

function toArray(list: StatementList): Statement[] {
  const out: Statement[] = [];
  for (let l = list; l; l = l.prev) out.push(l.statement);
  return out.reverse();
}
%}

@lexer statementLexer

config -> statements {% ([list]) => toArray(list) %}

statements -> null {% () => null %}
  | statements statement {% ([prev, statement]): StatementList => ({ prev, statement }) %}

statement -> %stmt {% ([t]) => t.statement %}
  | %open statements %close {%
      ([open, list, close]): Statement => ({
        ...open.statement,
        block: {
          statements: toArray(list),
          open: open.open,
          ...(close.pos ? { close: close.pos } : {}),
        },
      })
    %}
