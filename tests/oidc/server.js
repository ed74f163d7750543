// A real OAuth 2 server for flyte-host's auth tests: npm oidc-provider on 127.0.0.1 with
// client credentials, PKCE (authorization code) and the device flow, opaque access tokens and an
// introspection endpoint the stand-in admin checks bearers with.
//
// Usage: node server.js [--port 0] [--redirect-uri http://127.0.0.1:53593/callback]...
// Prints `PORT <n>` once listening. Clients:
//   flytectl        public (PKCE, refresh, device flow), redirect URIs from --redirect-uri
//   flytepropeller  confidential, secret `s3cr3t`, client_credentials
//   admin           confidential, secret `admin-secret`, introspection only
import http from 'node:http';
import Provider from 'oidc-provider';

const args = process.argv.slice(2);
let port = 0;
const redirectUris = [];
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--port') port = Number(args[++i]);
  else if (args[i] === '--redirect-uri') redirectUris.push(args[++i]);
}
if (redirectUris.length === 0) redirectUris.push('http://127.0.0.1:53593/callback');

// The issuer needs the port: listen first, then mount the provider.
const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  const issuer = `http://127.0.0.1:${actual}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'flytectl', application_type: 'native', token_endpoint_auth_method: 'none',
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
      },
      {
        client_id: 'flytepropeller', client_secret: 's3cr3t', grant_types: ['client_credentials'],
        response_types: [], redirect_uris: [],
      },
      {
        client_id: 'admin', client_secret: 'admin-secret', grant_types: [],
        response_types: [], redirect_uris: [],
      },
    ],
    scopes: ['openid', 'offline_access', 'all'],
    clientBasedCORS: () => true,
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
    },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Grants every requested scope (no consent screen in tests).
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid offline_access all');
      await grant.save();
      return grant;
    },
  });
  provider.proxy = false;
  server.on('request', provider.callback());
  console.log(`PORT ${actual}`);
});
