import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', 'workspaces/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@anthropic-ai/claude-agent-sdk',
              message: 'Only src/agent/sdk.ts may import the Agent SDK; import from there.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/agent/sdk.ts', 'bench/**', 'test/integration/scripted-model.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
