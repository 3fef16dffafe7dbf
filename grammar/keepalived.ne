# The block structure of keepalived.conf: statements, some opening a { ... } block. The tokens
# come from src/config/lexer.ts (runs of statements, block openers and closers: StatementToken),
# already balanced, so this grammar has exactly one parse of any token stream it is given.
# Rules are left-recursive: nearley has no Leo optimisation, so right recursion is quadratic.
# No rule is nullable: an Earley parser predicts every rule that may start where a nullable one
# may end, and nearley's time and allocation grow with those predictions (chart states per token).
@preprocessor typescript

@{%
import {
  closeSibling,
  statementsOf,
  statementLexer,
  type SiblingBlocks,
  type StatementList,
} from './lexer.js';
%}

@lexer statementLexer

# The whole config is returned as a StatementList: `config -> statements .` completes after every
# statement, so converting to an array here would make the parse quadratic. The tokenizer hands
# over pieces that hold at least one token.
config -> statements {% id %}

statements -> run {% ([run]): StatementList => ({ prev: null, run }) %}
  | statements run {% ([prev, run]): StatementList => ({ prev, run }) %}

# A run of statements (blocks without nested blocks are built by the tokenizer and come inside
# runs), or sibling blocks closed by a %close: the %open and %next tokens carry each block's first
# run, its further runs follow it, and a %next closes the block before it.
run -> %stmts {% ([t]) => t.statements %}
  | blocks %close {% ([siblings, close]) => statementsOf(closeSibling(siblings, close.pos)) %}

blocks -> %open {% ([opening]): SiblingBlocks => ({ closed: null, opening, list: null }) %}
  | blocks run {%
      ([{ closed, opening, list }, run]): SiblingBlocks => ({
        closed,
        opening,
        list: { prev: list, run },
      })
    %}
  | blocks %next {%
      ([siblings, opening]): SiblingBlocks => ({
        closed: closeSibling(siblings, opening.close),
        opening,
        list: null,
      })
    %}
