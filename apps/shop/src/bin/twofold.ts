#!/usr/bin/env node
// The `twofold` command for the reference shop.
import { runTwofoldCli } from '@twofold/cli';
import { shopApplication } from '../shop-application.js';

await runTwofoldCli(shopApplication);
