/**
 * Creates an admin host account: the first one, or another.
 *
 *     npm run create-admin -- --username <name>
 *
 * The password is asked for on a terminal (twice, not echoed), or read as the first line of stdin
 * when stdin is a pipe: `printf '%s\n' "$PASSWORD" | npm run create-admin -- --username ops`.
 * It is never taken from the command line, where `ps` and shell history would show it. Refuses a
 * username that is taken. Prints the new account's id on stdout; everything else goes to stderr.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '@rallyboard/core/config';
import { connectMongo, createHost, hostModel } from '@rallyboard/core/db';
import { AppError, newPasswordSchema, usernameSchema } from '@rallyboard/core/protocol';
import { hashPassword } from '@rallyboard/server/auth';

const USAGE =
  'usage: npm run create-admin -- --username <name>   (password from the terminal or one line of stdin)';

class UsageError extends Error {}

/** Reads one line typed on the terminal without echoing it. Ctrl-C aborts. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new UsageError('aborted'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** The first line of a piped stdin. */
async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return firstLineOfStdin();
  const password = await promptHidden('Password: ');
  const again = await promptHidden('Password again: ');
  if (password !== again) throw new UsageError('the two passwords differ');
  return password;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { username: { type: 'string' } }, strict: true });
  if (values.username === undefined) throw new UsageError(USAGE);
  const username = usernameSchema.safeParse(values.username);
  if (!username.success)
    throw new UsageError(`username ${username.error.issues[0]?.message ?? 'is not valid'}`);
  const password = newPasswordSchema.safeParse(await readPassword());
  if (!password.success)
    throw new UsageError(`password ${password.error.issues[0]?.message ?? 'is not valid'}`);

  const config = loadConfig();
  const mongo = await connectMongo(config.mongo.uri, 'create-admin');
  try {
    const host = await createHost(hostModel(mongo), {
      username: username.data,
      passwordHash: await hashPassword(password.data),
      role: 'admin',
    });
    process.stderr.write(`Created admin "${host.username}". Sign in with POST /api/host/login.\n`);
    process.stdout.write(`${host._id}\n`);
    return 0;
  } finally {
    await mongo.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(
        `create-admin: ${error.message}\n${error instanceof UsageError ? '' : `${USAGE}\n`}`,
      );
      process.exit(2);
    }
    if (error instanceof AppError && error.code === 'USERNAME_TAKEN') {
      process.stderr.write(`create-admin: the username is taken; nothing was created.\n`);
      process.exit(1);
    }
    process.stderr.write(`create-admin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
