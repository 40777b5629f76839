// Verifies a Roster token the way a product's service does: with Roster's public keys only.
// usage: node verify.mjs ROSTER_URL TOKEN [TYP]   (TYP: at+jwt, the default, or org+jwt)
// Prints the verified claims; exits 1 when the token does not verify.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [roster, token, typ = 'at+jwt'] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', roster));

try {
  const { payload } = await jwtVerify(token, jwks, {
    issuer: roster, // ROSTER_TOKEN_ISSUER, by default ROSTER_PUBLIC_URL
    audience: 'roster', // ROSTER_TOKEN_AUDIENCE
    typ,
    algorithms: ['ES256', 'RS256', 'EdDSA'],
  });
  console.log(JSON.stringify(payload));
} catch (e) {
  console.error(`not verified: ${e.code ?? e.message}`);
  process.exit(1);
}
