; io_bitmap: I/O permission (SDM vol. 1 18.5; vol. 3 ...): IN/OUT/INS/OUTS
; at CPL > IOPL checked against the TSS I/O permission bitmap -- allowed and
; denied ports, word and dword accesses straddling a bitmap byte, the
; bitmap's second byte read past the TSS limit, an I/O map base beyond the
; limit; IOPL 3 at ring 3 and IOPL 1 at ring 1 bypass the bitmap; ring 0
; always allowed. CLI/STI at ring 3 with IOPL 0 (#GP(0)) and 3; POPF and
; IRET at ring 3 and ring 0 (IF changes only when CPL <= IOPL, IOPL only at
; CPL 0, both silently ignored otherwise).
; Ports used: 0x80 (POST), 0xE0.., 0xF0, 0x100..0x10F (nothing there); only
; reads, except OUT/OUTS to 0x80. Values read are never printed.
; area: I/O permission, IOPL
; reference: qemu

%define KERNEL_NAME "io_bitmap"
%include "lib/kernel.inc"

IOMAP   equ TSS_MAIN + TSS_IOMAP_OFF
%define IOBYTE(p) (IOMAP + (p) / 8)

; R3X "text", eflags ... R3XEND: one check at ring 3 (DX = 0x100 at the start)
%macro R3X 2
        PRINT %1
        TRY %%b, "r3"
        TO_RING3 %%b, %2
%%b:    mov edx, 0x100
%endmacro
%macro R3XEND 0
        RING3_DONE
        ENDTRY
%endmacro

%macro R3FLAGS 0                    ; print IF and IOPL at ring 3
        pushfd
        pop eax
        and eax, FL_IF | FL_IOPL
        PKV32 "eflags&(if|iopl)=", eax
%endmacro

        bits 32
main:
        ; allow 0x80, 0xE0..0xE7, 0xF0..0xF7, 0x100..0x107; deny 0x108..
        and byte [IOBYTE(0x80)], ~1
        mov byte [IOBYTE(0xE0)], 0
        mov byte [IOBYTE(0xF0)], 0
        mov byte [IOBYTE(0x100)], 0

        ; ---------------------------------------------------------- bitmap
        R3X "in al,80 (allowed): ", FL_1
        in al, 0x80
        R3XEND
        R3X "out 80,al (allowed): ", FL_1
        out 0x80, al
        R3XEND
        R3X "in al,81 (denied): ", FL_1
        in al, 0x81
        R3XEND
        R3X "in al,dx=107 (allowed): ", FL_1
        mov dx, 0x107
        in al, dx
        R3XEND
        R3X "in ax,dx=106 (106,107 allowed): ", FL_1
        mov dx, 0x106
        in ax, dx
        R3XEND
        R3X "in ax,dx=107 (108 denied): ", FL_1
        mov dx, 0x107
        in ax, dx
        R3XEND
        R3X "in eax,dx=104 (104..107 allowed): ", FL_1
        mov dx, 0x104
        in eax, dx
        R3XEND
        R3X "in eax,dx=105 (108 denied): ", FL_1
        mov dx, 0x105
        in eax, dx
        R3XEND
        and byte [IOBYTE(0x108)], ~1
        R3X "108 allowed too: in ax,dx=107: ", FL_1
        mov dx, 0x107
        in ax, dx
        R3XEND
        R3X "108 allowed too: in eax,dx=105: ", FL_1
        mov dx, 0x105
        in eax, dx
        R3XEND
        R3X "in eax,dx=106 (109 denied): ", FL_1
        mov dx, 0x106
        in eax, dx
        R3XEND
        mov dword [SCRATCH], 0
        R3X "insb from dx=80 (allowed): ", FL_1
        mov dx, 0x80
        mov edi, SCRATCH
        push ss
        pop es
        insb
        R3XEND
        R3X "rep outsb to dx=80, ecx=2 (allowed): ", FL_1
        mov dx, 0x80
        mov esi, SCRATCH
        mov ecx, 2
        rep ss outsb
        R3XEND
        R3X "outsb to dx=81 (denied): ", FL_1
        mov dx, 0x81
        mov esi, SCRATCH
        ss outsb
        R3XEND
        PRINT "ring 0: in al,81 (denied in the bitmap): "
        TRY
        in al, 0x81
        ENDTRY

        ; ---------------------------------------------------------- TSS limit
        ; limit = last bitmap byte 0x1E (ports up to 0xF7; 0xE9 still printable)
        ; (TR caches the limit: rewrite the descriptor as available and reload TR)
        SETDESC SEL_TSS, TSS_MAIN, TSS_IOMAP_OFF + 0x1E, ACC_P | T_TSS32, 0
        mov ax, SEL_TSS
        ltr ax
        R3X "tss limit covers bitmap bytes 0..1e: in al,e0: ", FL_1
        in al, 0xE0
        R3XEND
        R3X "tss limit covers bitmap bytes 0..1e: in al,f0 (second byte 1f beyond): ", FL_1
        in al, 0xF0
        R3XEND
        R3X "tss limit covers bitmap bytes 0..1e: in al,dx=100: ", FL_1
        in al, dx
        R3XEND
        SETDESC SEL_TSS, TSS_MAIN, TSS_MAIN_LIMIT, ACC_P | T_TSS32, 0
        mov ax, SEL_TSS
        ltr ax
        ; I/O map base beyond the limit: no bitmap, every port denied
        mov word [TSS_MAIN + 0x66], 0xFFF0
        R3X "i/o map base fff0 (beyond the limit): in al,80: ", FL_1
        in al, 0x80
        R3XEND
        mov word [TSS_MAIN + 0x66], TSS_IOMAP_OFF

        ; ---------------------------------------------------------- IOPL
        R3X "iopl 3: in al,81 (denied in the bitmap): ", FL_1 | FL_IOPL3
        in al, 0x81
        R3XEND
        PRINT "iopl 1, cpl 1: in al,81: "
        TRY r1io, "r1"
        push dword SEL_DATA32_R1
        push dword STACK1_TOP
        push dword FL_1 | 0x1000
        push dword SEL_CODE32_R1
        push dword r1io
        iretd
r1io:   in al, 0x81
        cli
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- CLI/STI
        R3X "iopl 0: cli: ", FL_1 | FL_IF
        cli
        R3XEND
        R3X "iopl 0: sti: ", FL_1
        sti
        R3XEND
        R3X "iopl 3: cli, sti: ", FL_1 | FL_IF | FL_IOPL3
        cli
        R3FLAGS
        sti
        PRINT " "
        R3FLAGS
        cli
        PRINT " "
        R3XEND

        ; ---------------------------------------------------------- POPF / IRET
        R3X "iopl 0: popf clearing IF, setting IOPL 3: ", FL_1 | FL_IF
        push dword FL_1 | FL_IOPL3
        popfd
        R3FLAGS
        PRINT " "
        R3XEND
        R3X "iopl 0: popf setting IF: ", FL_1
        push dword FL_1 | FL_IF
        popfd
        R3FLAGS
        PRINT " "
        R3XEND
        R3X "iopl 3: popf clearing IF and IOPL: ", FL_1 | FL_IF | FL_IOPL3
        push dword FL_1
        popfd
        R3FLAGS
        PRINT " "
        R3XEND
        R3X "iopl 0: iret (same ring) setting IF and IOPL: ", FL_1
        push dword SEL_DATA32_R3
        push dword STACK3_TOP - 0x100
        push dword FL_1 | FL_IF | FL_IOPL3
        push dword SEL_CODE32_R3
        push dword .iret_done
        iretd
.iret_done:
        R3FLAGS
        PRINT " "
        R3XEND
        PRINT "ring 0: popf setting IOPL 3 and IF: "
        push dword FL_1 | FL_IF | FL_IOPL3
        popfd
        pushfd
        pop eax
        cli
        and eax, FL_IF | FL_IOPL
        PKV32 "eflags&(if|iopl)=", eax
        push dword FL_1
        popfd
        pushfd
        pop eax
        and eax, FL_IF | FL_IOPL
        PKV32 ", then popf 00000002: ", eax
        PRINTLN
        EXIT 0

%include "lib/tail.inc"
