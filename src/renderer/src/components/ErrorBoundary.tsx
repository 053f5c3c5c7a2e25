/** The last line of defence: a render error shows words and a way back, never a blank window. */
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** Changing it (e.g. the route) clears a shown error. */
  resetKey?: string;
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('slicedeck panel error', error, info.componentStack);
  }

  override componentDidUpdate(previous: Props): void {
    if (this.state.error && previous.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section className="card error-card" role="alert">
        <h2>This page ran into a problem</h2>
        <p>{this.state.error.message || 'An unexpected error happened while showing this page.'}</p>
        <p className="muted">Your accounts and slices are not affected. Reload the panel to continue.</p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => window.location.reload()}>
            Reload the panel
          </button>
          <a className="button" href="#/accounts" onClick={() => this.setState({ error: null })}>
            Back to accounts
          </a>
        </div>
      </section>
    );
  }
}
