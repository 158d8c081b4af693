// Generates data/quickstart/*.csv: simulated pump telemetry with a fixed seed, so the bundled data is
// reproducible byte for byte (`node scripts/make-quickstart-data.mjs`). Eight sensors are driven by two
// hidden factors (machine load and cycle phase) through nonlinear relations, which is exactly what an
// undercomplete autoencoder can learn and PCA cannot. Anomalies break those relations while each sensor
// stays inside its normal range, so a per-column range check does not find them.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import seedrandom from 'seedrandom';

const rng = seedrandom('latentflow-quickstart');
const normal = () => {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
};

function healthy() {
  const load = 0.2 + 0.8 * rng();
  const phase = 2 * Math.PI * rng();
  return sensors(load, phase);
}

function sensors(load, phase, tweak = {}) {
  const flow = 100 * load * (1 + 0.1 * Math.cos(phase));
  const pressure = 3 + 2 * load * load + 0.5 * Math.cos(phase);
  const row = {
    temperature: 60 + 15 * load + 3 * Math.sin(phase),
    pressure,
    vibration: 0.5 + 0.3 * Math.sin(2 * phase) * load,
    flow,
    current: 10 + 8 * load + 2 * Math.sin(phase) ** 2,
    rpm: 1500 + 600 * load + 40 * Math.sin(phase),
    power: (flow * pressure) / 30,
    noise_db: 70 + 5 * load + Math.sin(3 * phase),
    ...tweak,
  };
  const scale = { temperature: 0.4, pressure: 0.03, vibration: 0.01, flow: 0.8, current: 0.08, rpm: 6, power: 0.1, noise_db: 0.1 };
  for (const k of Object.keys(scale)) row[k] += scale[k] * normal();
  return row;
}

// Each fault keeps every sensor within its healthy range but breaks a relation between sensors.
const sign = () => (rng() < 0.5 ? -1 : 1);
const faults = [
  (load, phase) => shift(sensors(load, phase), 'temperature', 5), // overheating for the load
  (load, phase) => shift(sensors(load, phase), 'vibration', 0.15 * sign()), // bearing wear
  (load, phase) => shift(sensors(load, phase), 'rpm', -120), // slipping: speed does not follow load
  (load, phase) => {
    const r = sensors(load, phase);
    r.power *= 0.75; // power drop at the same flow and pressure: leak or meter fault
    return r;
  },
];

function shift(row, key, delta) {
  row[key] += delta;
  return row;
}

function anomalous() {
  const load = 0.3 + 0.6 * rng();
  const phase = 2 * Math.PI * rng();
  const kind = Math.floor(rng() * faults.length);
  return faults[kind](load, phase);
}

function write(file, rows, withLabel) {
  const cols = ['id', 'timestamp', 'temperature', 'pressure', 'vibration', 'flow', 'current', 'rpm', 'power', 'noise_db'];
  if (withLabel) cols.push('label');
  const lines = [cols.join(',')];
  for (const r of rows) lines.push(cols.map((c) => (typeof r[c] === 'number' ? Number(r[c].toFixed(4)) : r[c])).join(','));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n') + '\n');
}

function dataset(n, contamination, prefix, start) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const isAnomaly = rng() < contamination;
    const r = isAnomaly ? anomalous() : healthy();
    r.id = `${prefix}${String(i).padStart(5, '0')}`;
    r.timestamp = new Date(start + i * 60_000).toISOString();
    r.label = isAnomaly ? 'anomaly' : 'normal';
    rows.push(r);
  }
  return rows;
}

const out = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'data', 'quickstart');
// Training data is contaminated like real telemetry (about 1% faults, unlabeled); new data has 3% with labels.
write(path.join(out, 'train.csv'), dataset(5000, 0.01, 't', Date.UTC(2026, 0, 1)), false);
write(path.join(out, 'new.csv'), dataset(2000, 0.03, 'n', Date.UTC(2026, 1, 1)), true);
console.log(`wrote ${out}/train.csv and new.csv`);
