"""Verifies a Roster token the way a product's service does: with Roster's public keys only.

usage: python verify.py ROSTER_URL TOKEN [TYP]   (TYP: at+jwt, the default, or org+jwt)
Prints the verified claims; exits 1 when the token does not verify.
"""
import json
import sys

import jwt

roster, token = sys.argv[1], sys.argv[2]
typ = sys.argv[3] if len(sys.argv) > 3 else "at+jwt"
jwks = jwt.PyJWKClient(f"{roster}/.well-known/jwks.json")

try:
    if jwt.get_unverified_header(token).get("typ") != typ:
        raise jwt.InvalidTokenError(f"typ is not {typ}")
    claims = jwt.decode(
        token,
        jwks.get_signing_key_from_jwt(token),
        algorithms=["ES256", "RS256", "EdDSA"],
        issuer=roster,  # ROSTER_TOKEN_ISSUER, by default ROSTER_PUBLIC_URL
        audience="roster",  # ROSTER_TOKEN_AUDIENCE
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )
except jwt.PyJWTError as e:
    print(f"not verified: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(claims))
