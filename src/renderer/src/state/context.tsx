/** Hands the api and the store to every component (no module-level singletons). */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { SlicedeckApi } from '@shared/client';
import type { AppActions, AppState, AppStore } from './store';

interface AppContextValue {
  api: SlicedeckApi;
  store: AppStore;
  mode: 'desktop' | 'web';
}

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider({ value, children }: { value: AppContextValue; children: ReactNode }) {
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

function useAppContext(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('AppProvider is missing');
  return value;
}

export function useApi(): SlicedeckApi {
  return useAppContext().api;
}

export function useApp<T>(selector: (state: AppState & AppActions) => T): T {
  return useStore(useAppContext().store, selector);
}

/** Actions never change, so reading them does not subscribe to state. */
export function useActions(): AppActions {
  return useAppContext().store.getState();
}

export function useMode(): 'desktop' | 'web' {
  return useAppContext().mode;
}
