import { Option, type Command } from 'commander';
import { SpecError } from '../errors.js';
import type { MetricsSnapshot } from '../monitor/metrics.js';
import { runMonitor } from '../monitor/monitor.js';
import { monitorOptionsSchema, type MonitorOptionsInput } from '../monitor/options.js';
import { createLogger } from '../runtime/logger.js';
import { addKafkaSecurityFlags, kafkaSecurityInput, securityFlagFor, type KafkaSecurityCliOptions } from './kafka-security-flags.js';
import { list, nonNegativeInt, positiveInt, pValueRule, schemaDefaults } from './options.js';

interface MonitorCliOptions {
  brokers: string[];
  topic: string;
  group: string;
  model: string;
  clientId?: string;
  scoredTopic?: string;
  anomaliesTopic?: string | false;
  deadLetterTopic?: string;
  fields?: string[];
  vectorField?: string;
  code?: boolean;
  outputPrefix?: string;
  adaptiveThreshold?: string | true;
  pValueRule?: Record<string, unknown>;
  batchRows?: number;
  lingerMs?: number;
  maxInFlight?: number;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  deliveryTimeoutMs?: number;
  metricsIntervalMs?: number;
  opsPort?: number;
  driftWindowRows?: number;
  driftAlertsTopic?: string;
  opsHost?: string;
  createTopics?: boolean;
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  logLevel?: string;
  json?: boolean;
}

/** CLI options -> validated monitor options; a bad value is a SpecError naming the option (exit 2). */
export function monitorInput(o: MonitorCliOptions & KafkaSecurityCliOptions): MonitorOptionsInput {
  const input: MonitorOptionsInput = {
    brokers: o.brokers,
    topic: o.topic,
    groupId: o.group,
    model: o.model,
    ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
    ...(o.scoredTopic !== undefined ? { scoredTopic: o.scoredTopic } : {}),
    ...(o.anomaliesTopic === false ? { anomaliesTopic: null } : o.anomaliesTopic !== undefined ? { anomaliesTopic: o.anomaliesTopic } : {}),
    ...(o.deadLetterTopic !== undefined ? { deadLetterTopic: o.deadLetterTopic } : {}),
    ...(o.fields !== undefined ? { fields: fieldPaths(o.fields) } : {}),
    ...(o.vectorField !== undefined ? { vectorField: o.vectorField } : {}),
    ...(o.code ? { hasCode: true } : {}),
    ...(o.outputPrefix !== undefined ? { outputPrefix: o.outputPrefix } : {}),
    ...(o.adaptiveThreshold !== undefined ? { adaptiveThreshold: adaptiveSpec(o.adaptiveThreshold) } : {}),
    ...(o.pValueRule !== undefined ? { pValueRule: o.pValueRule as MonitorOptionsInput['pValueRule'] } : {}),
    ...(o.batchRows !== undefined ? { batchRows: o.batchRows } : {}),
    ...(o.lingerMs !== undefined ? { lingerMs: o.lingerMs } : {}),
    ...(o.maxInFlight !== undefined ? { maxInFlightBatches: o.maxInFlight } : {}),
    ...(o.fromBeginning ? { fromBeginning: true } : {}),
    ...(o.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
    ...(o.deliveryTimeoutMs !== undefined ? { deliveryTimeoutMs: o.deliveryTimeoutMs } : {}),
    ...(o.metricsIntervalMs !== undefined ? { metricsIntervalMs: o.metricsIntervalMs } : {}),
    ...(o.driftWindowRows !== undefined || o.driftAlertsTopic !== undefined
      ? { drift: { ...(o.driftWindowRows !== undefined ? { windowRows: o.driftWindowRows } : {}), ...(o.driftAlertsTopic !== undefined ? { alertsTopic: o.driftAlertsTopic } : {}) } }
      : {}),
    ...(o.opsPort !== undefined ? { ops: { port: o.opsPort, ...(o.opsHost !== undefined ? { host: o.opsHost } : {}) } } : {}),
    ...(o.createTopics ? { createTopics: true } : {}),
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...kafkaSecurityInput(o),
  };
  const parsed = monitorOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = securityFlagFor(issue.path) ?? `--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new SpecError(`${option}: ${issue.message}`, { file: '<cli>', line: 0, column: 0, path: issue.path.join('.') });
  }
  return input;
}

/** `temperature=sensors.temp,rpm=motor.rpm` -> temperature: "sensors.temp", rpm: "motor.rpm" (a Map: a feature may be named `__proto__`). */
function fieldPaths(items: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) {
      throw new SpecError(`--fields expects feature=json.path pairs, received "${item}"`, { file: '<cli>', line: 0, column: 0, path: 'fields' });
    }
    out.set(item.slice(0, at), item.slice(at + 1));
  }
  return out;
}

/** `quantile=0.99,warmup=1000,window=100000,learn-flagged=true` (any subset; bare flag = defaults). */
function adaptiveSpec(value: string | true): Record<string, number | boolean> {
  if (value === true) return {};
  const keys: Record<string, string> = { quantile: 'quantile', q: 'quantile', warmup: 'warmupRows', window: 'windowRows', accuracy: 'relativeAccuracy' };
  const out: Record<string, number | boolean> = {};
  for (const part of list(value)) {
    const [k, v] = part.split('=');
    const name = k?.trim() ?? '';
    if (name === 'learn-flagged' && (v === 'true' || v === 'false')) {
      out.learnFlagged = v === 'true';
      continue;
    }
    const key = Object.hasOwn(keys, name) ? keys[name] : undefined;
    const n = Number(v);
    if (key === undefined || v === undefined || !Number.isFinite(n)) {
      throw new SpecError(`--adaptive-threshold expects quantile=Q,warmup=N,window=N,accuracy=A,learn-flagged=true|false, received "${part}"`, { file: '<cli>', line: 0, column: 0, path: 'adaptiveThreshold' });
    }
    out[key] = n;
  }
  return out;
}

/** One human line about a finished monitor run, for stdout. */
export function formatMonitorSummary(m: MetricsSnapshot): string {
  const reasons = Object.entries(m.deadLettersByReason)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  return (
    `monitor: ${m.messagesIn} records in ${m.batches} batches, ${m.scored} scored, ${m.anomalies} anomalies, ` +
    `${m.deadLetters} dead letters${reasons ? ` (${reasons})` : ''}; ${m.consumer.commits} commits, ` +
    `${m.consumer.redeliveriesSkipped} re-deliveries skipped, ${m.consumer.handedOver} handed over uncommitted, ${m.modelReloads} model reloads`
  );
}

export function registerMonitor(program: Command): void {
  const d = schemaDefaults(monitorOptionsSchema);
  const command = program.command('monitor');
  command
    .description('Score a Kafka topic continuously: scored, anomalies and dead-letter topics, at-least-once, consumer groups')
    .requiredOption('--brokers <list>', 'bootstrap brokers, comma-separated host:port (127.0.0.1:9092)', list)
    .requiredOption('--topic <name>', 'input topic (JSON object values)')
    .requiredOption('--group <id>', 'consumer group id; processes in one group share the partitions')
    .requiredOption('-m, --model <dir>', 'model directory (reloaded when replaced)')
    .option('--client-id <id>', `Kafka client id (${d('clientId')})`)
    .option('--scored-topic <name>', 'every scored record (default <topic>.scored)')
    .option('--anomalies-topic <name>', 'flagged records only (default <topic>.anomalies)')
    .option('--no-anomalies-topic', 'do not write an anomalies topic')
    .option('--dead-letter-topic <name>', 'records that cannot be parsed or scored (default <topic>.dead-letter)')
    .option('--fields <pairs>', 'JSON paths of features not at the top level: feature=path.to.field,...', list)
    .option('--vector-field <path>', 'JSON field holding all features as one array, in the model order')
    .option('--code', 'append the latent code z0..z{k-1} to scored records')
    .option('--output-prefix <prefix>', `prefix of the appended fields (e.g. lf_ gives lf_score); a record that already has an output's field is dead-lettered (output-collision), never overwritten`)
    .option('--adaptive-threshold [spec]', 'flag by a streaming quantile: quantile=0.99,warmup=1000,window=100000,learn-flagged=false')
    .option('--p-value-rule <rule>', "flag by conformal p-value against the model's calibration scores (fit with --calibration-split), appending p_value: fpr=A (p_value <= A) | fdr=Q (Benjamini-Hochberg per batch)", pValueRule)
    .option('--batch-rows <n>', `records per batch (${d('batchRows')})`, positiveInt('--batch-rows'))
    .option('--linger-ms <ms>', `longest wait for a batch to fill (${d('lingerMs')})`, nonNegativeInt('--linger-ms'))
    .option('--max-in-flight <n>', `batches sent and not yet acknowledged (${d('maxInFlightBatches')})`, positiveInt('--max-in-flight'))
    .option('--from-beginning', 'a new group starts at the oldest record (default: new records only)')
    .option('--session-timeout-ms <ms>', `group session timeout (${d('sessionTimeoutMs')})`, positiveInt('--session-timeout-ms'))
    .option('--delivery-timeout-ms <ms>', `longest wait for acknowledgements before stopping with exit 1 (${d('deliveryTimeoutMs')})`, positiveInt('--delivery-timeout-ms'))
    .option('--metrics-interval-ms <ms>', `metrics log interval, 0 = only at exit (${d('metricsIntervalMs')})`, nonNegativeInt('--metrics-interval-ms'))
    .option('--drift-window-rows <n>', 'check drift every n records against the training distribution saved in the model (PSI per feature and score, KS of scores; default window 5000 with --drift-alerts-topic)', positiveInt('--drift-window-rows'))
    .option('--drift-alerts-topic <name>', 'also produce each drift event (JSON) to this topic, with the batch that closed the window')
    .option('--ops-port <port>', 'serve /metrics (Prometheus), /healthz and /readyz on this port (0: a free one, logged)', nonNegativeInt('--ops-port'))
    .option('--ops-host <address>', 'address the ops endpoint binds (default 0.0.0.0)')
    .option('--create-topics', 'create missing output topics (partitions as the input topic)')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .addOption(new Option('--log-level <level>', 'JSON log level on stderr (default info)').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .option('--json', 'print the final metrics as JSON on stdout')
    .action(async (options: MonitorCliOptions & KafkaSecurityCliOptions) => {
      const input = monitorInput(options);
      const logger = createLogger({ level: options.logLevel ?? process.env.LATENTFLOW_LOG_LEVEL ?? 'info' });
      const controller = new AbortController();
      let signals = 0;
      // First signal: finish the batches in flight, commit, leave the group, exit 0. Second: give up now.
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          logger.info({ signal }, `received ${signal}: draining the batches in flight, committing, leaving the group`);
          controller.abort(new Error(`received ${signal}`));
        } else {
          logger.warn({ signal }, `received ${signal} again: exiting without draining (uncommitted records are read again)`);
          process.exit(1);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const final = await runMonitor(input, { logger, signal: controller.signal });
        process.stdout.write(options.json ? `${JSON.stringify(final)}\n` : `${formatMonitorSummary(final)}\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  // After the monitor's own options, so --help lists them last, as a group.
  addKafkaSecurityFlags(command);
}

