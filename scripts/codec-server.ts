/**
 * `npm run codec-server`: the codec server on its own, for a Web UI that `npm start` did not start
 * (compose, a Temporal cluster's UI). Keys as everywhere (src/runtime/codec-keys.ts); it listens on
 * CODEC_SERVER_HOST:CODEC_SERVER_PORT and answers browsers from CODEC_CORS_ORIGINS.
 */
import { loadConfig } from '../src/config';
import { loadKeyring } from '../src/runtime/codec-keys';
import { corsOriginsFrom, startCodecServer } from '../src/runtime/codec-server';
import { AesGcmPayloadCodec } from '../src/runtime/payload-codec';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startCodecServer({
    codec: new AesGcmPayloadCodec(loadKeyring(config)),
    host: config.CODEC_SERVER_HOST,
    port: config.CODEC_SERVER_PORT,
    corsOrigins: corsOriginsFrom(config),
  });
  console.log(`codec server on ${server.url}; browsers allowed from ${corsOriginsFrom(config).join(', ')}`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
