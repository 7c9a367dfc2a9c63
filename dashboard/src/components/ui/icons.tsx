// Hand-drawn 24×24 stroke icons (no icon package: it would ship hundreds we never use).
import type { SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

function make(paths: string[], displayName: string) {
  const Icon = ({ size = 16, ...rest }: IconProps) => (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...rest}
    >
      {paths.map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
  Icon.displayName = displayName;
  return Icon;
}

export const IconShield = make(['M12 3l8 3.5V12c0 4.6-3.3 8.4-8 9.5-4.7-1.1-8-4.9-8-9.5V6.5z'], 'IconShield');
export const IconShieldCheck = make(['M12 3l8 3.5V12c0 4.6-3.3 8.4-8 9.5-4.7-1.1-8-4.9-8-9.5V6.5z', 'M8.5 12l2.5 2.5 4.5-5'], 'IconShieldCheck');
export const IconGauge = make(['M4 14a8 8 0 1 1 16 0', 'M12 14l4-4', 'M4 18h16'], 'IconGauge');
export const IconList = make(['M8 6h13', 'M8 12h13', 'M8 18h13', 'M3 6h.01', 'M3 12h.01', 'M3 18h.01'], 'IconList');
export const IconInbox = make(['M3 13l3-8h12l3 8', 'M3 13v6h18v-6', 'M3 13h5l1.5 2h5L16 13h5'], 'IconInbox');
export const IconFile = make(['M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8z', 'M14 3v5h5', 'M9 13h6', 'M9 17h6'], 'IconFile');
export const IconBot = make(['M5 9h14v10H5z', 'M12 5v4', 'M12 5h.01', 'M9 14h.01', 'M15 14h.01', 'M2 13v3', 'M22 13v3'], 'IconBot');
export const IconKey = make(['M15 7a4 4 0 1 1-3.9 4.9L4 19v2h3v-2h2v-2h2l1.1-1.1', 'M16 7h.01'], 'IconKey');
export const IconSettings = make(
  ['M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z'],
  'IconSettings',
);
export const IconSun = make(['M12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M12 2v2', 'M12 20v2', 'M4.9 4.9l1.4 1.4', 'M17.7 17.7l1.4 1.4', 'M2 12h2', 'M20 12h2', 'M4.9 19.1l1.4-1.4', 'M17.7 6.3l1.4-1.4'], 'IconSun');
export const IconMoon = make(['M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z'], 'IconMoon');
export const IconLogOut = make(['M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4', 'M16 17l5-5-5-5', 'M21 12H9'], 'IconLogOut');
export const IconMenu = make(['M4 6h16', 'M4 12h16', 'M4 18h16'], 'IconMenu');
export const IconX = make(['M18 6L6 18', 'M6 6l12 12'], 'IconX');
export const IconCheck = make(['M20 6L9 17l-5-5'], 'IconCheck');
export const IconCopy = make(['M9 9h11v11H9z', 'M5 15H4V4h11v1'], 'IconCopy');
export const IconPlus = make(['M12 5v14', 'M5 12h14'], 'IconPlus');
export const IconTrash = make(['M3 6h18', 'M8 6V4h8v2', 'M19 6l-1 14H6L5 6', 'M10 11v6', 'M14 11v6'], 'IconTrash');
export const IconSearch = make(['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M21 21l-4.3-4.3'], 'IconSearch');
export const IconRefresh = make(['M21 12a9 9 0 0 1-15.5 6.2L3 16', 'M3 12a9 9 0 0 1 15.5-6.2L21 8', 'M21 3v5h-5', 'M3 21v-5h5'], 'IconRefresh');
export const IconAlert = make(['M12 3l10 18H2z', 'M12 10v4', 'M12 17h.01'], 'IconAlert');
export const IconClock = make(['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 7v5l3 2'], 'IconClock');
export const IconDownload = make(['M12 3v12', 'M7 10l5 5 5-5', 'M5 21h14'], 'IconDownload');
export const IconUpload = make(['M12 21V9', 'M7 14l5-5 5 5', 'M5 3h14'], 'IconUpload');
export const IconChevronLeft = make(['M15 18l-6-6 6-6'], 'IconChevronLeft');
export const IconChevronRight = make(['M9 18l6-6-6-6'], 'IconChevronRight');
export const IconChevronDown = make(['M6 9l6 6 6-6'], 'IconChevronDown');
export const IconChevronUp = make(['M18 15l-6-6-6 6'], 'IconChevronUp');
export const IconArrowUp = make(['M12 19V5', 'M5 12l7-7 7 7'], 'IconArrowUp');
export const IconArrowDown = make(['M12 5v14', 'M19 12l-7 7-7-7'], 'IconArrowDown');
export const IconExternal = make(['M14 3h7v7', 'M10 14L21 3', 'M21 14v7H3V3h7'], 'IconExternal');
export const IconBell = make(['M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9', 'M10 21h4'], 'IconBell');
export const IconDatabase = make(['M12 8c4.4 0 8-1.3 8-3s-3.6-3-8-3-8 1.3-8 3 3.6 3 8 3z', 'M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5', 'M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3'], 'IconDatabase');
export const IconServer = make(['M3 4h18v7H3z', 'M3 13h18v7H3z', 'M7 7.5h.01', 'M7 16.5h.01'], 'IconServer');
export const IconLock = make(['M5 11h14v10H5z', 'M8 11V7a4 4 0 1 1 8 0v4'], 'IconLock');
export const IconZap = make(['M13 2L3 14h9l-1 8 10-12h-9z'], 'IconZap');
export const IconEye = make(['M1 12s4-8 11-8 11 8 11 8-4 8-11 8S1 12 1 12z', 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'], 'IconEye');
export const IconFilter = make(['M3 4h18l-7 8.5V19l-4 2v-8.5z'], 'IconFilter');
export const IconGrip = make(['M9 6h.01', 'M15 6h.01', 'M9 12h.01', 'M15 12h.01', 'M9 18h.01', 'M15 18h.01'], 'IconGrip');
export const IconPlay = make(['M6 4l14 8-14 8z'], 'IconPlay');
export const IconPause = make(['M7 4h3v16H7z', 'M14 4h3v16h-3z'], 'IconPause');
export const IconKeyboard = make(['M2 6h20v12H2z', 'M6 10h.01', 'M10 10h.01', 'M14 10h.01', 'M18 10h.01', 'M7 14h10'], 'IconKeyboard');
export const IconRocket = make(['M5 15c-1.5 1.3-2 5-2 5s3.7-.5 5-2', 'M9 15l-3-3c1-4 4.5-8 11-9 0 0 1 7-9 12z', 'M14 10h.01'], 'IconRocket');
export const IconTerminal = make(['M4 17l6-6-6-6', 'M12 19h8'], 'IconTerminal');
