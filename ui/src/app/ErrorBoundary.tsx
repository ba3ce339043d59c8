import { Component, type ErrorInfo, type ReactNode } from "react";

import { Button } from "../components/Button";

type State = { error: Error | null };

/** Catches a crash while drawing a screen and shows what broke instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey?: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) {
      this.setState({ error: null });
    }
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("screen crashed", error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="screen">
        <div className="banner banner-error" role="alert" data-testid="crash-banner">
          <div className="banner-text">
            <span className="banner-title">This screen stopped working</span>
            <p className="banner-message">{error.message}</p>
            <p className="banner-hint">Other screens still work. Reload the window to try again.</p>
          </div>
          <Button
            onClick={() => {
              window.location.reload();
            }}
          >
            Reload
          </Button>
        </div>
      </div>
    );
  }
}
