/**
 * The only bridge between the page and the host: `window.slicedeck`, a `Transport`
 * (invoke + subscribe) built in ./bridge.ts — never `ipcRenderer` itself, so the page
 * can reach the contract and nothing else. Built as CommonJS because a sandboxed
 * preload cannot be an ES module.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_KEY } from '@shared/client';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld(BRIDGE_KEY, createBridge(ipcRenderer));
