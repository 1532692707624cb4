// A real OpenID provider for psweb's single sign-on tests: oidc-provider (npm, pinned in
// package.json) on a loopback port, one confidential client with PKCE required, test users
// read from a JSON file on every look-up (so a test can change a user's e-mail between logins).
//
//   node tests/sso/provider.mjs PORT CONFIG.json
//
// CONFIG.json: {"client_id", "client_secret", "redirect_uri", "post_logout_redirect_uri",
//               "users": {"<account id>": {"employeeHsaId": …, "healthCareUnitHsaId": …,
//                                          "given_name": …, "family_name": …, "email": …}}}
//
// Each start makes a new RSA signing key with a new kid: restarting the provider is a key
// rotation. The login interaction is a plain form: GET /interaction/<uid> shows it, POST
// /interaction/<uid>/login with login=<account id> signs that user in; consent is implicit.
//
// For the failure tests, POST /_test/mode with a body of one word makes the NEXT token
// response carry an ID token changed that way and signed again with the provider's key:
// wrong-audience, bad-nonce, expired, wrong-issuer; foreign-key signs it with a key the
// provider does not publish.
import crypto from 'node:crypto';
import fs from 'node:fs';

import Provider from 'oidc-provider';

const [port, configPath] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const settings = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const users = () => JSON.parse(fs.readFileSync(configPath, 'utf8')).users;

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = crypto.randomUUID();
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
let mode = '';

const provider = new Provider(issuer, {
  clients: [{
    client_id: settings.client_id,
    client_secret: settings.client_secret,
    redirect_uris: [settings.redirect_uri],
    post_logout_redirect_uris: [settings.post_logout_redirect_uri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['psweb-sso-tests'] },
  pkce: { required: () => true },
  // The HSA claims ride on the openid scope, and every claim goes into the ID token too.
  claims: {
    openid: ['sub', 'employeeHsaId', 'healthCareUnitHsaId', 'psweb_roles'],
    profile: ['given_name', 'family_name'],
    email: ['email'],
  },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const user = users()[id];
    if (!user) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...user }; } };
  },
  // First-party client: consent is implicit.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

const b64u = (value) => Buffer.from(value).toString('base64url');

function tamper(idToken, how) {
  const [h, p] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  if (how === 'wrong-audience') payload.aud = 'another-client';
  if (how === 'bad-nonce') payload.nonce = 'not-the-nonce-psweb-sent';
  if (how === 'wrong-issuer') payload.iss = 'https://idp.elsewhere.invalid';
  if (how === 'expired') { payload.iat = now - 7200; payload.exp = now - 3600; }
  if (how === 'foreign-key') {
    key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    header.kid = crypto.randomUUID();
  }
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${b64u(crypto.sign('sha256', Buffer.from(input), key))}`;
}

const page = (body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Test IdP</title></head><body>${body}</body></html>`;

provider.use(async (ctx, next) => {
  if (ctx.path === '/_test/mode' && ctx.method === 'POST') {
    mode = (await readBody(ctx.req)).trim();
    ctx.body = { mode };
    return;
  }
  const login = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (login) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'POST' && login[2]) {
      const form = new URLSearchParams(await readBody(ctx.req));
      const accountId = form.get('login') || '';
      if (!users()[accountId]) {
        ctx.status = 400;
        ctx.body = page('<p>Unknown test user.</p>');
        return;
      }
      const returnTo = await provider.interactionResult(
        ctx.req, ctx.res, { login: { accountId } }, { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(returnTo);
      return;
    }
    ctx.type = 'html';
    ctx.body = page(`<h1>Test IdP: ${details.prompt.name}</h1>
      <form method="post" action="/interaction/${details.uid}/login">
        <label>Login <input name="login" autofocus></label>
        <button type="submit">Sign in</button>
      </form>`);
    return;
  }
  await next();
  if (ctx.path === '/token' && mode && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token, mode) };
    mode = '';
  }
});

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer} kid=${kid}\n`);
});
