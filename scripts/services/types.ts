export interface ServiceStatus {
  name: 'redis' | 'ferretdb';
  url: string;
  /** False when the URL came from REDIS_URL / MONGODB_URI: the script leaves it alone. */
  managed: boolean;
  pid: number | undefined;
  healthy: boolean;
  log: string | undefined;
}

export interface ManagedService {
  readonly name: 'redis' | 'ferretdb';
  /** Installs the service if it is missing. */
  ensure(): Promise<void>;
  /** Starts it unless already running and healthy; waits until healthy. Idempotent. */
  start(): Promise<ServiceStatus & { started: boolean }>;
  stop(): Promise<'stopped' | 'killed' | 'not running'>;
  status(): Promise<ServiceStatus>;
}
