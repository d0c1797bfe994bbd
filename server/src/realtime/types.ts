import {
  type ClientToServerEvents,
  type HostClientToServerEvents,
  type HostServerToClientEvents,
  RANKING_VIEWS,
  type RankWindow,
  SCREEN_WINDOWS,
  type ServerToClientEvents,
} from '@rallyboard/core/protocol';
import type { Ranking } from '@rallyboard/core/redis';
import type { DefaultEventsMap, Namespace, Server, Socket } from 'socket.io';
import type { HostPrincipal } from '../hosts/principal.js';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * The socket.io room of one board window's watchers, of one ranking: `board:<id>:<window>` for
 * the candidates, `…:g:<group>` for one group's, `…:groups` for the groups'.
 */
export function boardRoom(
  boardId: string,
  window: RankWindow,
  ranking: Ranking = { view: 'candidates' },
): string {
  const room = `board:${boardId}:${window}`;
  if (ranking.view === 'groups') return `${room}:groups`;
  return ranking.group === undefined ? room : `${room}:g:${ranking.group}`;
}

/** Reads a room name back, or undefined for a room that is not a board window's. */
export function parseBoardRoom(
  room: string,
): { boardId: string; window: RankWindow; ranking: Ranking } | undefined {
  const match = /^board:([A-Za-z0-9_-]+):(all|day|week|month)(?::groups|:g:([0-9a-f]{16}))?$/.exec(room);
  if (!match) return undefined;
  const [, boardId = '', window, group] = match;
  const ranking: Ranking = room.endsWith(':groups')
    ? { view: 'groups' }
    : { view: 'candidates', ...(group === undefined ? {} : { group }) };
  return { boardId, window: window as RankWindow, ranking };
}

/** Every board room a big screen may be in: each screen window of the candidates and of the groups. */
export const screenRooms = (campaignId: string): string[] =>
  SCREEN_WINDOWS.flatMap((window) => RANKING_VIEWS.map((view) => boardRoom(campaignId, window, { view })));

const SCREEN_ROOM = 'screen:';

/** The socket.io room of one campaign's big screens, for `screen:updated`. */
export const screenRoom = (campaignId: string): string => `${SCREEN_ROOM}${campaignId}`;

/** The campaign of a screen room, or undefined for a room that is not a screen room. */
export const campaignOfScreenRoom = (room: string): string | undefined =>
  room.startsWith(SCREEN_ROOM) ? room.slice(SCREEN_ROOM.length) : undefined;

/**
 * The screen tokens a socket subscribed campaigns' screens with (undefined for a public one), by
 * campaign: the screen relay checks them again when the campaign changes (a revocation).
 */
export const screenTokensOf = (socket: RealtimeSocket): Map<string, string | undefined> => {
  socket.data.screenTokens ??= new Map<string, string | undefined>();
  return socket.data.screenTokens;
};

/** What a `/host` socket carries once its token was checked: the host as last checked, and its token. */
export interface HostSocketData {
  host: HostPrincipal;
  /** Kept to check the host again at each event and alert (see host-access.ts). */
  token: string;
}

export type HostNamespace = Namespace<
  HostClientToServerEvents,
  HostServerToClientEvents,
  DefaultEventsMap,
  HostSocketData
>;
export type HostSocket = Socket<
  HostClientToServerEvents,
  HostServerToClientEvents,
  DefaultEventsMap,
  HostSocketData
>;

const ALERTS_ROOM = 'alerts:';

/** The `/host` room of one campaign's risk alerts. */
export const alertsRoom = (campaignId: string): string => `${ALERTS_ROOM}${campaignId}`;

/** The campaign of an alerts room, or undefined for any other room (a socket's own). */
export const campaignOfAlertsRoom = (room: string): string | undefined =>
  room.startsWith(ALERTS_ROOM) ? room.slice(ALERTS_ROOM.length) : undefined;
