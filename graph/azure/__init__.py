"""Azure: recognise exports, read scopes, roles and identities, build trust edges."""
