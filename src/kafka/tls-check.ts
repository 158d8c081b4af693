import net from 'node:net';
import tls from 'node:tls';
import { KafkaSecurityError } from '../errors.js';
import type { KafkaConnection } from './client.js';
import { redact, resolveSecurity, type SecurityScope } from './security.js';

/**
 * Opens one TLS connection to the first bootstrap broker with the connection's TLS settings, sends one
 * ApiVersions request (allowed before SASL) and closes it when the answer comes. kafkajs reports a
 * certificate or host-name failure as a retriable connection error and retries it for minutes; a failure
 * here throws a {@link KafkaSecurityError} (problem `tls`) at once, saying what to change. The request
 * matters for mutual TLS: under TLS 1.3 the broker judges the client certificate after the client's
 * handshake is done, so a refusal only shows as an alert on the first read. A broker that does not answer
 * is left to kafkajs (its retries and advice). Does nothing without `tls`.
 */
export async function checkTls(c: KafkaConnection, scope: SecurityScope): Promise<void> {
  if (c.tls === undefined) return;
  const { connector } = scope;
  const { ssl, secrets } = resolveSecurity(c, scope);
  const bootstrap = c.brokers[0];
  const at = bootstrap.lastIndexOf(':');
  const host = bootstrap.slice(0, at);
  const port = Number(bootstrap.slice(at + 1));
  let socket: tls.TLSSocket;
  try {
    // Same SNI rule as kafkajs: no server name for an IP address (RFC 6066 forbids it).
    socket = tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl });
  } catch (error) {
    // Node builds the TLS context synchronously: a key that the passphrase does not open, a key that does
    // not match the certificate, text that is not a certificate.
    const message = redact((error as Error).message, secrets);
    throw new KafkaSecurityError(`cannot use the TLS settings: ${message}; check tls.cert/certFile, tls.key/keyFile and the key's passphrase`, { connector }, 'tls', { cause: error });
  }
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      socket.destroy();
      if (error === undefined || !isHandshakeFailure(error)) resolve();
      else reject(new KafkaSecurityError(`TLS handshake with ${bootstrap} failed: ${redact(error.message, secrets)}; ${advice(error)}`, { connector }, 'tls', { cause: error }));
    };
    socket.setTimeout(c.connectionTimeoutMs, () => done());
    socket.once('secureConnect', () => socket.write(apiVersionsRequest()));
    socket.once('data', () => done());
    socket.once('close', () => done());
    socket.once('error', done);
  });
}

/** A Kafka ApiVersions v0 request (size, api key 18, version 0, correlation id, client id). */
function apiVersionsRequest(): Buffer {
  const clientId = Buffer.from('latentflow-tls-check');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/** Certificate, host-name and protocol errors (as opposed to a refused or timed-out connection). */
function isHandshakeFailure(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return /CERT|SSL|TLS|SIGNATURE|ISSUER|EPROTO/.test(code) || /certificate|handshake|wrong version/i.test(error.message);
}

function advice(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  // An alert is the broker's verdict on this client (the client certificate), not on the broker's certificate.
  if (/ALERT/.test(code)) return 'the broker refused the client certificate: set tls.cert/certFile and tls.key/keyFile to a certificate signed by a CA the broker trusts (ssl.truststore)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'the broker certificate does not name this host: dial a name it lists, set tls.servername, or (tests only) tls.verifyHostname: false';
  if (/WRONG_VERSION|EPROTO/.test(code) || /wrong version/i.test(error.message)) return 'is this a TLS listener? (a PLAINTEXT or SASL_PLAINTEXT port needs no tls block)';
  if (/CERT|ISSUER|SIGNATURE/.test(code)) return 'the broker certificate is not signed by a trusted CA: set tls.ca or tls.caFile to the CA bundle that signed it';
  return 'check the TLS settings (ca, cert, key) against the listener';
}
