import mongoose, { type Connection } from 'mongoose';

/**
 * Opens a dedicated mongoose connection (never the global default, so tests and tools can hold
 * several). Only features FerretDB supports are used: no transactions, no change streams.
 */
export async function connectMongo(uri: string, appName: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    appName: `rallyboard:${appName}`,
    serverSelectionTimeoutMS: 5_000,
    autoIndex: true,
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
