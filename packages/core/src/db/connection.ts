import mongoose, { type Connection } from 'mongoose';

/**
 * The sockets one process keeps to the database unless its URI names `maxPoolSize`. FerretDB v1
 * answers an update by holding one of a database's 100 SQLite connections for its scan while it
 * waits for another to write: with the driver's default of 100 sockets all sending updates, a
 * database ran dry and waited for good, and every listDatabases with it. At 16, the server, the
 * workers and a tool together stay under half of that pool; MongoDB serves this load with 16 too.
 */
const DEFAULT_MAX_POOL_SIZE = 16;

/**
 * Opens a dedicated mongoose connection (never the global default, so tests and tools can hold
 * several). Only features FerretDB supports are used: no transactions, no change streams.
 */
export async function connectMongo(uri: string, appName: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    appName: `rallyboard:${appName}`,
    serverSelectionTimeoutMS: 5_000,
    autoIndex: true,
    ...(namesPoolSize(uri) ? {} : { maxPoolSize: DEFAULT_MAX_POOL_SIZE }),
  });
  await connection.asPromise();
  return connection;
}

/** Round-trips a ping; throws when the database does not answer. */
export async function pingMongo(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db || connection.readyState !== mongoose.ConnectionStates.connected) {
    throw new Error('MongoDB is not connected');
  }
  await db.command({ ping: 1 });
}

/** Whether a connection string sets its own pool size (URI options are case-insensitive). */
function namesPoolSize(uri: string): boolean {
  const query = uri.split('?')[1] ?? '';
  return [...new URLSearchParams(query).keys()].some((key) => key.toLowerCase() === 'maxpoolsize');
}
