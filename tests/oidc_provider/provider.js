// A real OpenID provider for the test session: the certified oidc-provider with its development interactions (a
// login form and a consent form). Started by tests/test_oidc.py's fixture:
//   node provider.js PORT SETTINGS_JSON
// where SETTINGS_JSON is {"clients": [...], "accounts": {"<login>": {"email": ..., "email_verified": ..., "name": ...}}}.
// The login typed in the form is the account's id (its `sub`); the password is not checked (development
// interactions). The signing key is generated at start, so it lives as long as the process.
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const [port, settingsJson] = process.argv.slice(2);
const settings = JSON.parse(settingsJson);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: settings.clients,
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: ['throwaway-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, sub) {
    const account = settings.accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`listening on ${port}`));
