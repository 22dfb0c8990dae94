#!/usr/bin/env node
/**
 * `npx claude-code-server` (the package's `bin`): the daemon, configured from the environment
 * exactly like `npm start`, plus a few flags for a person at a terminal. Workspaces and data go
 * under the current directory unless WORKSPACE_ROOT / DATA_DIR say otherwise.
 */
import { VERSION } from '../server/version.js';

const HELP = `Usage: claude-code-server [--port N] [--host H] [--demo]

Runs the Claude Code Server daemon: a REST API, live task streams and a web dashboard (/ui).

Options:
  --port N      listen on port N (SERVER_PORT, default 8000; 0 picks a free port)
  --host H      listen on address H (SERVER_HOST, default 0.0.0.0)
  --demo        no API key needed: a scripted model answers on loopback (see README, "Demo")
  --version     print the version
  --help        print this help

Configuration comes from the environment (CLAUDE_API_KEY, WORKSPACE_ROOT, DATA_DIR,
API_AUTH_ENABLED, ...); see docs/configuration.md.
`;

/** Applies the flags to process.env; returns what to run, or an exit code for a bad command line. */
function parse(argv: string[]): 'server' | 'demo' | number {
  let mode: 'server' | 'demo' = 'server';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(HELP);
      return 0;
    }
    if (flag === '--version' || flag === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (flag === '--demo') mode = 'demo';
    else if (flag === '--port' || flag === '--host') {
      const given = value();
      if (given === undefined || given === '') {
        process.stderr.write(`${flag} needs a value\n\n${HELP}`);
        return 2;
      }
      process.env[flag === '--port' ? 'SERVER_PORT' : 'SERVER_HOST'] = given;
    } else {
      process.stderr.write(`Unknown argument: ${arg}\n\n${HELP}`);
      return 2;
    }
  }
  return mode;
}

const outcome = parse(process.argv.slice(2));
if (typeof outcome === 'number') process.exit(outcome);
// Both entry points start the server when imported; main.ts reports bad configuration itself.
else if (outcome === 'demo') await import('../dev/demo.js');
else await import('../main.js');
