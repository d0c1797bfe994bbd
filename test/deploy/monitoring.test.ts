import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The monitoring files under deploy/ against the code and the compose file they serve: a panel
// that queries a metric nothing records, or a scrape aimed at the wrong port, shows nothing and
// says nothing.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

/** Every metric name the server and workers declare (`name: 'rallyboard_…'`). */
function declaredMetrics(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['server/src/metrics', 'workers/src/metrics']) {
    for (const file of readdirSync(`${ROOT}${dir}`)) {
      for (const [, name] of read(`${dir}/${file}`).matchAll(/name: '(rallyboard_[a-z0-9_]+)'/g)) {
        names.add(name as string);
      }
    }
  }
  return names;
}

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

interface ScrapeConfig {
  job_name: string;
  authorization: { type: string; credentials_file: string };
  dns_sd_configs: { names: string[]; port: number }[];
}

describe('the Grafana dashboard', () => {
  it('queries only metrics the server and workers record, and covers each area', () => {
    const declared = declaredMetrics();
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/rallyboard.json')) as Dashboard;
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        for (const [series] of expr.matchAll(/rallyboard_[a-z0-9_]+/g)) {
          // A histogram's series are its name with _bucket, _sum or _count.
          const name = series.replace(/_(bucket|sum|count)$/, '');
          expect(declared.has(series) || declared.has(name), `${panel.title}: ${series}`).toBe(true);
          queried.add(declared.has(series) ? series : name);
        }
      }
    }
    for (const area of [
      'http_requests',
      'votes_queue',
      'ingest_',
      'worker_',
      'risk_rule',
      'ledger_',
      'relay_',
      'sockets',
    ]) {
      expect(
        [...queried].some((name) => name.includes(area)),
        area,
      ).toBe(true);
    }
  });
});

describe('the Prometheus scrape config', () => {
  it('scrapes every server and worker replica where compose serves their metrics, with the token compose mounts', () => {
    const prometheus = parse(read('deploy/prometheus.yml')) as { scrape_configs: ScrapeConfig[] };
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { expose?: string[]; configs?: { source: string; target: string }[] }>;
      configs: Record<string, unknown>;
    };
    const jobs = new Map(prometheus.scrape_configs.map((job) => [job.job_name, job]));
    expect([...jobs.keys()].sort()).toEqual(['server', 'workers']);
    const mounted = compose.services.prometheus?.configs?.find((c) => c.source === 'metrics-token');
    expect(compose.configs['metrics-token']).toBeDefined();
    for (const job of jobs.values()) {
      expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: mounted?.target });
      expect(job.dns_sd_configs[0]?.names).toEqual([job.job_name]);
      expect(compose.services[job.job_name], job.job_name).toBeDefined();
    }
    expect(compose.services.server?.expose).toContain(String(jobs.get('server')?.dns_sd_configs[0]?.port));
    // The workers serve metrics only when told a port (compose passes it through, off by default)
    // on an address the compose network reaches; the operations guide names the port scraped.
    const workersEnv = (compose.services.workers as { environment?: Record<string, string> }).environment;
    expect(workersEnv?.WORKER_METRICS_PORT).toBe('${WORKER_METRICS_PORT:-0}');
    expect(workersEnv?.WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(read('docs/operations.md')).toContain(
      `WORKER_METRICS_PORT=${jobs.get('workers')?.dns_sd_configs[0]?.port}`,
    );
  });
});
