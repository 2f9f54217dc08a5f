; triple_fault: with no usable IDT an exception cannot be delivered: #UD
; -> #GP (vector beyond the IDT limit) -> #DF (also beyond the limit) ->
; shutdown (SDM vol. 3 6.15 "Interrupt 8": a fault while delivering #DF).
; The transcript ends with the line printed right before; QEMU with
; -no-reboot exits with status 0. (A machine that resets instead would
; start the ROM again: the kernel then finds its start-up marker and stops
; without printing.)
; area: exceptions, triple fault
; reference: qemu

%define KERNEL_NAME "triple_fault"
%include "lib/kernel.inc"

        bits 32
main:
        PRINT "idt works: "
        TRY
        ud2
        ENDTRY
        mov word [KVARS], 0         ; IDTR limit 0: no vector is inside
        mov dword [KVARS + 2], IDT_BASE
        lidt [KVARS]
        PRINTLN "idtr.limit=0000, ud2: #UD -> #GP -> #DF -> shutdown"
        ud2
        PRINTLN "not reached"
        EXIT EXIT_FAIL

%include "lib/tail.inc"
