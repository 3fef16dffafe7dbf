# The block structure of keepalived.conf: statements, some opening a { ... } block. The tokens
# come from src/config/lexer.ts (runs of statements, block openers and closers: StatementToken),
# already balanced, so this grammar has exactly one parse of any token stream it is given.
# Rules are left-recursive: nearley has no Leo optimisation, so right recursion is quadratic.
@preprocessor typescript

@{%
import type { Statement } from './ast.js';
import { statementLexer, statementsOf, withBlock, type StatementList } from './lexer.js';
%}

@lexer statementLexer

# The whole config is returned as a StatementList: `config -> statements .` completes after every
# statement, so converting to an array here would make the parse quadratic.
config -> statements {% id %}

statements -> null {% () => null %}
  | statements run {% ([prev, run]): StatementList => ({ prev, run }) %}

# A run of statements (blocks without nested blocks are built by the tokenizer and come inside
# runs), or one statement with its block; the %open token carries the block's first run.
run -> %stmts {% ([t]) => t.statements %}
  | %open statements %close {%
      ([open, list, close]): Statement[] => [
        withBlock(open.statement, statementsOf(list, open.statements), open.open, close.pos),
      ]
    %}
