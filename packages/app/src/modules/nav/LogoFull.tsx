/** The uyoop wordmark, sized for the open sidebar. */
export const LogoFull = () => (
  <svg
    role="img"
    aria-label="uyoop"
    viewBox="0 0 200 60"
    style={{ width: 'auto', height: 30 }}
  >
    <text
      x="0"
      y="44"
      fill="#ffffff"
      fontFamily="Helvetica, Arial, sans-serif"
      fontSize="46"
      fontWeight="700"
    >
      uyoop
    </text>
    <circle cx="178" cy="38" r="7" fill="#1b998b" />
  </svg>
);
