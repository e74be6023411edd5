#!/usr/bin/env node
// Entry point for the `panoptes` command: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
