// Generated automatically by nearley, version 2.20.1
// http://github.com/Hardmath123/nearley
// Bypasses TS6133. Allow declared but unused functions.
// @ts-ignore
function id(d: any[]): any { return d[0]; }
declare var stmt: any;
declare var open: any;
declare var close: any;

import type { Statement } from './ast.js';
import { statementLexer } from './lexer.js';

/** Statements newest first: a left-recursive rule adds one in O(1) without mutating shared data. */
type StatementList = { prev: StatementList; statement: Statement } | null;

function toArray(list: StatementList): Statement[] {
  const out: Statement[] = [];
  for (let l = list; l; l = l.prev) out.push(l.statement);
  return out.reverse();
}

interface NearleyToken {
  value: any;
  [key: string]: any;
};

interface NearleyLexer {
  reset: (chunk: string, info: any) => void;
  next: () => NearleyToken | undefined;
  save: () => any;
  formatError: (token: never) => string;
  has: (tokenType: string) => boolean;
};

interface NearleyRule {
  name: string;
  symbols: NearleySymbol[];
  postprocess?: (d: any[], loc?: number, reject?: {}) => any;
};

type NearleySymbol = string | { literal: any } | { test: (token: any) => boolean };

interface Grammar {
  Lexer: NearleyLexer | undefined;
  ParserRules: NearleyRule[];
  ParserStart: string;
};

const grammar: Grammar = {
  Lexer: statementLexer,
  ParserRules: [
    {"name": "config", "symbols": ["statements"], "postprocess": ([list]) => toArray(list)},
    {"name": "statements", "symbols": [], "postprocess": () => null},
    {"name": "statements", "symbols": ["statements", "statement"], "postprocess": ([prev, statement]): StatementList => ({ prev, statement })},
    {"name": "statement", "symbols": [(statementLexer.has("stmt") ? {type: "stmt"} : stmt)], "postprocess": ([t]) => t.statement},
    {"name": "statement", "symbols": [(statementLexer.has("open") ? {type: "open"} : open), "statements", (statementLexer.has("close") ? {type: "close"} : close)], "postprocess": 
        ([open, list, close]): Statement => ({
          ...open.statement,
          block: {
            statements: toArray(list),
            open: open.open,
            ...(close.pos ? { close: close.pos } : {}),
          },
        })
            }
  ],
  ParserStart: "config",
};

export default grammar;
