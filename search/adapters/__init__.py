"""How each app's content becomes search documents and which numbers it answers to.

Imported by SearchConfig.ready(); search may depend on every app, never the reverse."""
