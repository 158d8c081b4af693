import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KafkaSecurityError } from '../../src/errors.js';
import { kafkaConnectionParams } from '../../src/kafka/client.js';
import { checkTls } from '../../src/kafka/tls-check.js';

// A CA and a server certificate for 127.0.0.1 made with openssl, served by a plain Node TLS server: the
// check's outcomes (trusted, untrusted CA, wrong name, not TLS) without a broker.
const dir = mkdtempSync(path.join(tmpdir(), 'lf-tls-check-'));
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const connection = z.strictObject(kafkaConnectionParams);
const servers: net.Server[] = [];

function listen(server: net.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

let tlsPort = 0;
let plainPort = 0;
let mtlsPort = 0;
const clientsSeen: boolean[] = [];

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=broker');
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  tlsPort = await listen(tls.createServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) }, (s) => s.end()));
  plainPort = await listen(net.createServer((s) => s.end('not tls at all\n')));
  // Mutual TLS: a client key encrypted with a passphrase, its certificate signed by the CA.
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes256', '-pass', 'pass:open-sesame', '-out', 'client.key');
  openssl('req', '-new', '-key', 'client.key', '-passin', 'pass:open-sesame', '-out', 'client.csr', '-subj', '/CN=client');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
  writeFileSync(file('passphrase'), 'open-sesame\n');
  const mtls = tls.createServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')), ca: readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true }, (s) => {
    clientsSeen.push(s.authorized);
    s.end();
  });
  mtlsPort = await listen(mtls);
});

afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const check = (port: number, tlsParams: object) => checkTls(connection.parse({ brokers: [`127.0.0.1:${port}`], tls: tlsParams }), { connector: 'test' });

describe('checkTls', () => {
  it('passes when the CA file signed the broker certificate for the dialled address', async () => {
    await expect(check(tlsPort, { caFile: file('ca.pem') })).resolves.toBeUndefined();
  });

  it("an untrusted CA (Node's roots) fails at once with a KafkaSecurityError saying to set tls.ca", async () => {
    const started = performance.now();
    const error = await check(tlsPort, {}).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(KafkaSecurityError);
    expect(error).toMatchObject({ code: 'E_KAFKA_SECURITY', problem: 'tls', retriable: false });
    expect((error as Error).message).toMatch(/not signed by a trusted CA: set tls.ca or tls.caFile/);
  });

  it('a certificate for another name fails unless verifyHostname is false', async () => {
    const error = await check(tlsPort, { caFile: file('ca.pem'), servername: 'kafka.example' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ problem: 'tls' });
    expect((error as Error).message).toMatch(/does not name this host/);
    await expect(check(tlsPort, { caFile: file('ca.pem'), servername: 'kafka.example', verifyHostname: false })).resolves.toBeUndefined();
  });

  it('mutual TLS with an encrypted key: the passphrase file opens it and the server sees an authorized client', async () => {
    await expect(check(mtlsPort, { caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client.key'), passphraseFile: file('passphrase') })).resolves.toBeUndefined();
    expect(clientsSeen).toEqual([true]);
  });

  it('a passphrase that does not open the key is a KafkaSecurityError before any connection, without the passphrase', async () => {
    const error = await check(mtlsPort, { caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client.key'), passphrase: 'wrong-sesame' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaSecurityError);
    expect(error).toMatchObject({ problem: 'tls' });
    expect((error as Error).message).toMatch(/cannot use the TLS settings: .*check tls.cert\/certFile, tls.key\/keyFile and the key's passphrase/);
    expect((error as Error).message).not.toContain('wrong-sesame');
  });

  it('a listener that does not speak TLS is reported as such', async () => {
    const error = await check(plainPort, { caFile: file('ca.pem') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ problem: 'tls' });
    expect((error as Error).message).toMatch(/is this a TLS listener/);
  });

  it('a port with nothing listening is left to kafkajs (its retries and advice)', async () => {
    const probe = net.createServer();
    const free = await listen(probe);
    probe.close();
    await expect(check(free, { caFile: file('ca.pem') })).resolves.toBeUndefined();
  });

  it('without a tls block there is nothing to check', async () => {
    await expect(checkTls(connection.parse({ brokers: ['127.0.0.1:1'] }), { connector: 'test' })).resolves.toBeUndefined();
  });
});
