// "Show a test notification": proof, before an alarm matters, that this desktop shows the app's
// notifications. The desktop shows them on its own time, so success says where to look and what
// to check when nothing appears.
import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { useCommand } from "../../ipc/queries";

export function TestNotification() {
  const test = useCommand("notification_test");
  return (
    <div className="test-notification">
      <Button
        data-testid="notification-test"
        disabled={test.isPending}
        onClick={() => {
          test.mutate(null);
        }}
      >
        Show a test notification
      </Button>
      {test.isSuccess ? (
        <p className="muted" data-testid="notification-test-sent" role="status">
          Sent to your desktop. If no notification appeared, your desktop has no notification service running, or it keeps this app&apos;s notifications quiet (check its notification settings).
        </p>
      ) : null}
      {test.error ? <ErrorBanner error={test.error} title="The test notification was not shown" /> : null}
    </div>
  );
}
