// The cluster packaging, checked offline. deploy/kubernetes/: every manifest
// validates against the Kubernetes schemas (kubernetes-models, which carries
// them), and the pieces fit together (probes, labels, the Secret's keys, the
// scrape annotations, the config in the ConfigMap is a valid team config).
// deploy/compose.yaml: two replicas, Redis, a load balancer, a valid config.
// Dockerfile: docker is not available where the tests run, so the file is
// parsed (dockerfile-ast) and its properties asserted: multi-stage, a small
// Node 20 base, a non-root numeric user, a /healthz health check, config from
// the mounted file, no secret baked in.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { configSchema, crossFieldIssues } from '../../src/config/schema.js';
import { parseSecretReference } from '../../src/secrets/reference.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;
const MODELS: Record<string, new (data: Manifest) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

const manifestFiles = readdirSync(`${root}deploy/kubernetes`).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: Manifest[] = manifestFiles.flatMap((file) => parseAllDocuments(read(`deploy/kubernetes/${file}`)).map((doc) => doc.toJS()));
const byKind = (kind: string): Manifest => manifests.find((m) => m.kind === kind);

/** A config as the proxy reads it: the schema and the rules across fields. */
function validConfig(text: string) {
  const raw = JSON.parse(text) as Record<string, unknown>;
  expect(crossFieldIssues(raw)).toEqual([]);
  return configSchema.parse(raw);
}

/** Every secret reference in a config, by kind. */
function references(config: unknown): Array<ReturnType<typeof parseSecretReference>> {
  const found: Array<ReturnType<typeof parseSecretReference>> = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') {
      const ref = parseSecretReference(value);
      if (ref) found.push(ref);
    } else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(config);
  return found;
}

describe('deploy/kubernetes', () => {
  test.each(manifestFiles)('%s validates against the Kubernetes schemas', (file) => {
    for (const doc of parseAllDocuments(read(`deploy/kubernetes/${file}`))) {
      const manifest = doc.toJS();
      const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model).toBeDefined();
      expect(() => new (Model as NonNullable<typeof Model>)(manifest).validate()).not.toThrow();
    }
  });

  test('the validator is no rubber stamp: a wrong field type is refused', () => {
    const broken = structuredClone(byKind('Deployment'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort/);
  });

  test('kustomization lists every manifest but the example Secret', () => {
    const kustomization = parseYaml(read('deploy/kubernetes/kustomization.yaml')) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(manifestFiles.filter((f) => f !== 'secret.example.yaml').sort());
  });

  test('the Deployment: ready on /readyz, alive on /healthz, scraped on /metrics, non-root, secrets by reference from the Secret', () => {
    const deployment = byKind('Deployment');
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const port = container.ports.find((p: Manifest) => p.name === 'http');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port.containerPort), 'prometheus.io/path': '/metrics' });
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: expect.any(Number) });
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(deployment.spec.selector.matchLabels).toEqual(pod.metadata.labels);
    // The listener binds where the Service sends, and the config comes from the mounted file.
    expect(container.env.find((e: Manifest) => e.name === 'MCP_LISTEN_ADDR').value).toBe(`0.0.0.0:${port.containerPort}`);
    expect(container.args).toEqual(['start', '--config', '/etc/mcp-auth-proxy/config.json']);

    const secret = byKind('Secret');
    const volume = pod.spec.volumes.find((v: Manifest) => v.secret);
    expect(volume.secret.secretName).toBe(secret.metadata.name);
    // Owner and group only: what the proxy's secret-file check accepts in a Secret volume.
    expect(volume.secret.defaultMode).toBe(0o440);
    const secretMount = container.volumeMounts.find((m: Manifest) => m.name === volume.name).mountPath;
    const keys = Object.keys(secret.stringData);
    for (const item of volume.secret.items) expect(keys).toContain(item.key);
    for (const env of container.env.filter((e: Manifest) => e.valueFrom)) {
      expect(env.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
      expect(keys).toContain(env.valueFrom.secretKeyRef.key);
    }

    // Every secret the config names comes from the container's environment or the Secret volume.
    const config = validConfig(byKind('ConfigMap').data['config.json']);
    expect(config.mode).toBe('team');
    const envNames = container.env.map((e: Manifest) => e.name);
    const files = volume.secret.items.map((item: Manifest) => `${secretMount}/${item.path}`);
    for (const ref of references(config)) {
      if (ref?.kind === 'env') expect(envNames).toContain(ref.name);
      else if (ref?.kind === 'file') expect(files).toContain(ref.path);
      else throw new Error(`a cluster has no keychain: ${JSON.stringify(ref)}`);
    }
    expect(config.redis?.replicas).toBe(deployment.spec.replicas);
    expect(config.metricsFrom).toBeDefined();
  });

  test('the Service, autoscaler and disruption budget point at the Deployment and its pods', () => {
    const deployment = byKind('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    const service = byKind('Service');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe('http');
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: deployment.apiVersion, kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(deployment.spec.replicas);
    const pdb = byKind('PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parseYaml(read('deploy/compose.yaml')) as Manifest;

  test('two proxy replicas, Redis and a load balancer in front, with a valid team config', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['lb', 'proxy', 'redis']);
    const proxy = compose.services.proxy;
    expect(proxy.deploy.replicas).toBe(2);
    expect(proxy.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
    expect(proxy.volumes).toContain('./compose/config.json:/etc/mcp-auth-proxy/config.json:ro');
    expect(proxy.depends_on.redis.condition).toBe('service_healthy');
    expect(compose.services.lb.depends_on).toContain('proxy');
    expect(compose.services.lb.volumes[0]).toMatch(/^\.\/compose\/nginx\.conf:/);
    const nginx = read('deploy/compose/nginx.conf');
    expect(nginx).toContain('server proxy:8787 resolve');
    expect(nginx).toContain('proxy_buffering off');
    const config = validConfig(read('deploy/compose/config.json'));
    expect(config.redis?.url).toMatch(/^redis:\/\/redis:6379/);
    expect(config.redis?.replicas).toBe(proxy.deploy.replicas);
    // The balancer's network is the one the proxy trusts for X-Forwarded-For.
    expect(config.trustedProxies).toEqual([compose.networks.team.ipam.config[0].subnet]);
    for (const ref of references(config)) {
      expect(ref?.kind).toBe('env');
      if (ref?.kind === 'env') expect(Object.keys(proxy.environment)).toContain(ref.name);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(read('Dockerfile'));
  const instructions = dockerfile.getInstructions();
  const froms = dockerfile.getFROMs();
  const finalStart = instructions.indexOf(froms[froms.length - 1] as (typeof instructions)[number]);
  const final = instructions.slice(finalStart);
  const args = (keyword: string) => final.filter((i) => i.getKeyword() === keyword).map((i) => i.getArguments().map((a) => a.getValue()).join(' '));

  test('multi-stage on a small Node 20 base; the runtime stage copies only the build output', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      expect(from.getImageName()).toBe('node');
      expect(from.getImageTag()).toMatch(/^20(\.\d+)*-(?:bookworm-slim|slim|alpine[\d.]*)$/);
    }
    const copies = final.filter((i) => i.getKeyword() === 'COPY') as Array<(typeof final)[number] & { getFromFlag(): { getValue(): string } | null }>;
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy.getFromFlag()?.getValue()).toBe(froms[0]?.getBuildStage());
  });

  test('runs as a numeric non-root user, checks /healthz, reads its config from the mounted file, holds no secret', () => {
    const user = args('USER').at(-1) as string;
    expect(user).toMatch(/^[1-9]\d*(?::\d+)?$/);
    expect(args('HEALTHCHECK')[0]).toContain('/healthz');
    expect(args('EXPOSE')).toEqual(['8787']);
    expect(args('ENTRYPOINT')[0]).toContain('/app/bin/mcp-auth-proxy.js');
    expect(args('CMD')[0]).toContain('"--config", "/etc/mcp-auth-proxy/config.json"');
    const env = args('ENV').join(' ');
    expect(env).toContain('MCP_LISTEN_ADDR=0.0.0.0:8787');
    expect(env).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY=/i);
    expect(instructions.some((i) => i.getKeyword() === 'ARG' && /TOKEN|SECRET|PASSWORD/i.test(i.getArgumentsContent() ?? ''))).toBe(false);
  });
});
