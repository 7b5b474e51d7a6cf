/** The uyoop mark, sized for the closed sidebar. */
export const LogoIcon = () => (
  <svg
    role="img"
    aria-label="uyoop"
    viewBox="0 0 60 60"
    style={{ width: 'auto', height: 28 }}
  >
    <text
      x="6"
      y="44"
      fill="#ffffff"
      fontFamily="Helvetica, Arial, sans-serif"
      fontSize="46"
      fontWeight="700"
    >
      u
    </text>
    <circle cx="48" cy="38" r="7" fill="#1b998b" />
  </svg>
);
