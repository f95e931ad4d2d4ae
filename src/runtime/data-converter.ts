/**
 * The one data converter every Temporal client and worker of this project uses: the default JSON
 * payload converter, then the AES-256-GCM codec (payload-codec.ts) with this process's keyring.
 * Workers, the CLI, `npm start`, the chaos runner and the tests all take it from here, so a payload
 * one of them writes is one every other can read.
 */
import type { DataConverter } from '@temporalio/common';
import { loadConfig, type Config } from '../config';
import { loadKeyring, type Keyring } from './codec-keys';
import { AesGcmPayloadCodec } from './payload-codec';

export function dataConverterFor(keyring: Keyring): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keyring)] };
}

/** The data converter for this process's configuration; throws KeyringError when it has no keys. */
export function loadDataConverter(config: Config = loadConfig()): DataConverter {
  return dataConverterFor(loadKeyring(config));
}
