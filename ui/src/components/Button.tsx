import type { ButtonHTMLAttributes } from "react";

type Variant = "default" | "primary" | "ghost";

export function Button({
  variant = "default",
  className,
  type = "button",
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  const classes = ["button", variant === "default" ? "" : `button-${variant}`, className ?? ""]
    .filter(Boolean)
    .join(" ");
  return <button type={type} className={classes} {...rest} />;
}
