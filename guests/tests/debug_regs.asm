; debug_regs: debug exceptions (SDM vol. 3 ch. 17): an instruction
; breakpoint (DR0, fault before the instruction; RF=1 in the IRET image lets
; it execute), data breakpoints on write and on read/write (DR1, DR2: traps
; after the access, the write done), LEN alignment (an access outside the
; breakpoint's bytes does not hit), a disabled breakpoint, DR7.GD (fault on
; the next MOV DR, DR6.BD, GD cleared), single-step (TF) through several
; instructions, and DR6 (B0-B3/BD/BS) as each handler sees it. DR6 is
; cleared by software after each event (the processor never clears it).
; Also: a MOV SS under TF delays the single-step trap by one instruction.
;
; QEMU 7.2 does not implement DR7.GD (general detect): the MOV from DR0
; completes and GD stays set; bochs raises the #DB with DR6.BD=1 and clears
; GD, as the SDM (17.2.4) says. The reference transcript is bochs' (QEMU's
; is debug_regs.qemu.txt).
; area: debug registers, #DB
; reference: bochs

%define KERNEL_NAME "debug_regs"
%include "lib/kernel.inc"

DATA    equ SCRATCH + 0x100
STEPS   equ KVARS                   ; single-steps left before TF is cleared
DR7_L0  equ 0x001
DR7_L1  equ 0x004
DR7_L2  equ 0x010
DR7_GD  equ 0x2000
%define DR7_RWLEN(n, rw, len) (((rw) | ((len) << 2)) << (16 + (n) * 4))

        bits 32
main:
        HOOK hook_db
        xor eax, eax
        mov dr6, eax
        mov dword [DATA], 0x11111111

        ; ---------------------------------------------------------- instruction
        mov eax, bp_insn
        mov dr0, eax
        mov eax, DR7_L0 | DR7_RWLEN(0, 0, 0)
        mov dr7, eax
        PRINTLN "instruction breakpoint at bp_insn (fault, then RF=1):"
        TRY bp_insn
        nop
        jmp bp_insn
bp_insn:
        mov eax, 0x12345678
        PKV32 "  executed: eax=", eax
        PRINT " "
        ENDTRY
        xor eax, eax
        mov dr7, eax

        ; ---------------------------------------------------------- data
        mov eax, DATA
        mov dr1, eax
        mov eax, DR7_L1 | DR7_RWLEN(1, 1, 3)        ; write, 4 bytes
        mov dr7, eax
        PRINTLN "write breakpoint on [DATA], 4 bytes (trap after the write):"
        TRY
        mov dword [DATA], 0x22222222
        nop
        mov eax, [DATA]
        PKV32 "  [DATA]=", eax
        PRINT " "
        ENDTRY
        PRINT "read of [DATA] with a write breakpoint: "
        TRY
        mov eax, [DATA]
        ENDTRY
        mov eax, DR7_L1 | DR7_RWLEN(1, 3, 3)        ; read/write, 4 bytes
        mov dr7, eax
        PRINTLN "read/write breakpoint on [DATA], 4 bytes: read byte [DATA+3]:"
        TRY
        mov al, [DATA + 3]
        ENDTRY
        mov eax, DATA
        mov dr2, eax
        mov eax, DR7_L2 | DR7_RWLEN(2, 3, 1)        ; read/write, 2 bytes
        mov dr7, eax
        PRINT "read/write breakpoint on [DATA], 2 bytes: read word [DATA+2]: "
        TRY
        mov ax, [DATA + 2]
        ENDTRY
        PRINTLN "the same, read dword [DATA-2] (overlaps):"
        TRY
        mov eax, [DATA - 2]
        ENDTRY
        mov eax, DR7_RWLEN(2, 3, 1)                 ; L2 clear: disabled
        mov dr7, eax
        PRINT "disabled breakpoint: read word [DATA]: "
        TRY
        mov ax, [DATA]
        ENDTRY

        ; ---------------------------------------------------------- GD
        mov eax, DR7_GD
        mov dr7, eax
        PRINTLN "dr7.gd=1, then mov eax,dr0 (fault):"
        TRY
        mov eax, dr0
        ENDTRY
        mov eax, dr7
        and eax, DR7_GD
        PKV32 "dr7&gd after=", eax
        PRINTLN

        ; ---------------------------------------------------------- single step
        xor eax, eax
        mov dr7, eax
        mov dword [STEPS], 3
        PRINTLN "single step (TF=1), three traps then TF cleared:"
        TRY
        pushfd
        or dword [esp], FL_TF
        popfd
        mov eax, 1
        mov ebx, 2
        mov ecx, 3
        mov edx, 4
        nop
        ENDTRY
        mov dword [STEPS], 2
        PRINTLN "single step over mov ss (the trap skips the next instruction):"
        TRY
        pushfd
        or dword [esp], FL_TF
        popfd
        mov eax, ss
        mov ss, ax
        mov ebx, 2
        mov ecx, 3
        nop
        ENDTRY
        EXIT 0

; #DB hook: print DR6, clear it; instruction breakpoints continue with RF=1,
; single steps continue while STEPS lasts, traps continue
hook_db:
        cmp dword [last_vector], 1
        jne .no
        mov eax, dr6
        and eax, 0x0000E00F
        PKV32 "  dr6&e00f=", eax
        PRINTLN
        test eax, 0x2000            ; BD: resume at the TRY resume point
        jnz .no
        xor ecx, ecx
        mov dr6, ecx
        test eax, 1                 ; B0: instruction breakpoint (fault)
        jz .notb0
        or dword [ss:ebx + 8], FL_RF
        jmp .iret
.notb0: test eax, 0x4000            ; BS: single step
        jz .iret
        dec dword [STEPS]
        jnz .iret
        and dword [ss:ebx + 8], ~FL_TF
.iret:  mov eax, ACT_IRET
        ret
.no:    xor eax, eax
        mov dr6, eax
        ret

%include "lib/tail.inc"
