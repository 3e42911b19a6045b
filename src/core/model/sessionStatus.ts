// The six statuses of a session (prodigy-formats.md §2), apart from the schema that checks them, so the
// command line can name them without loading the schemas.
export const SESSION_STATUSES = ['Initializing', 'Running', 'Paused', 'Completed', 'Failed', 'Cancelled'] as const;
