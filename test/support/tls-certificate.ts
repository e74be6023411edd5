/**
 * A throwaway self-signed certificate for TLS test servers (rtsps://, https://), made by the openssl
 * command line so no key material is checked in. Valid for 127.0.0.1 and localhost, one day.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** Writes cert.pem and key.pem (unencrypted RSA 2048) into `dir`. */
export function selfSignedCertificate(dir: string): TlsFiles {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certFile, keyFile };
}
