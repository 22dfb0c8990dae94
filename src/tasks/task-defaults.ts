/** Tools granted when a task names none: what a coding task needs, without network tools. */
export const DEFAULT_ALLOWED_TOOLS = ['Read', 'Write', 'Edit', 'MultiEdit', 'Glob', 'Grep', 'Bash'] as const;
/** A task's permission mode when it sets none. */
export const DEFAULT_PERMISSION_MODE = 'acceptEdits' as const;
